import { ECDH } from 'node:crypto';
import type { JWK } from 'jose';

/**
 * DIDs whose key is written in the DID itself, resolved offline to a public JWK: `did:jwk`
 * (base64url JSON) and `did:key` (multibase base58btc of a multicodec key). Other methods
 * (`did:web`, `did:ebsi`, …) need the network; `resolveKeyDid` says so instead of fetching.
 */

/** The DID of a DID URL (`did:key:z…#z…` → `did:key:z…`). */
export const didOf = (didUrl: string): string => didUrl.split('#')[0]!;

/** `did:web:…#key-1` → `did:web`. */
export const didMethodOf = (didUrl: string): string => didOf(didUrl).split(':').slice(0, 2).join(':');

/** The methods `resolveKeyDid` resolves. */
export const OFFLINE_DID_METHODS = ['did:jwk', 'did:key'] as const;

/** The public JWK a did:jwk or did:key names; throws an Error that says why for anything else. */
export function resolveKeyDid(didUrl: string): JWK {
  const did = didOf(didUrl);
  const method = didMethodOf(did);
  if (method === 'did:jwk') return publicOnly(parseJwk(did.slice('did:jwk:'.length)));
  if (method === 'did:key') return didKeyJwk(did.slice('did:key:'.length));
  throw new Error(`${method} DIDs are resolved over the network; only ${OFFLINE_DID_METHODS.join(' and ')} are resolved offline`);
}

function parseJwk(base64url: string): JWK {
  let jwk: unknown;
  try {
    jwk = JSON.parse(Buffer.from(base64url, 'base64url').toString('utf8'));
  } catch {
    throw new Error('did:jwk is not base64url JSON');
  }
  if (typeof jwk !== 'object' || jwk === null || typeof (jwk as JWK).kty !== 'string') throw new Error('did:jwk does not hold a JWK');
  return jwk as JWK;
}

function publicOnly(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = jwk;
  return rest;
}

// Multicodec key types (the multiformats table): the code, then how the bytes become a JWK.
const CURVES: Record<number, { name: string; length?: number; kty?: string; crv?: string; jwk: (bytes: Buffer) => JWK }> = {
  237: { name: 'ed25519-pub', length: 32, kty: 'OKP', crv: 'Ed25519', jwk: (b) => ({ kty: 'OKP', crv: 'Ed25519', x: b.toString('base64url') }) },
  4608: { name: 'p256-pub', length: 33, kty: 'EC', crv: 'P-256', jwk: (b) => ecJwk(b, 'prime256v1', 'P-256') },
  4609: { name: 'p384-pub', length: 49, kty: 'EC', crv: 'P-384', jwk: (b) => ecJwk(b, 'secp384r1', 'P-384') },
  // walt.id's EBSI-style did:key carries the JWK itself, JCS-serialised (multicodec jwk_jcs-pub).
  60241: { name: 'jwk_jcs-pub', jwk: (b) => publicOnly(parseJwk(b.toString('base64url'))) },
};

function didKeyJwk(multibase: string): JWK {
  // did:key method-specific ids are base58btc multibase ("z…").
  if (!multibase.startsWith('z')) throw new Error('did:key must be base58btc multibase (z…)');
  const bytes = base58btc(multibase.slice(1));
  const [code, offset] = varint(bytes);
  const type = CURVES[code];
  if (!type) throw new Error(`did:key multicodec 0x${code.toString(16)} is not a key type this tool reads (Ed25519, P-256, P-384, jwk_jcs-pub)`);
  const key = bytes.subarray(offset);
  if (type.length !== undefined && key.length !== type.length) throw new Error(`did:key ${type.name} key is ${key.length} bytes, not ${type.length}`);
  return type.jwk(key);
}

/** The did:jwk of a public JWK (its public members only, as JSON, base64url). */
export function didJwkOf(jwk: JWK): string {
  return `did:jwk:${Buffer.from(JSON.stringify(publicOnly(jwk))).toString('base64url')}`;
}

/** The did:key of an Ed25519, P-256 or P-384 public JWK (the inverse of `resolveKeyDid`); throws for another key type. */
export function didKeyOf(jwk: JWK): string {
  const entry = Object.entries(CURVES).find(([, type]) => type.crv !== undefined && type.crv === jwk.crv && type.kty === jwk.kty);
  if (!entry || typeof jwk.x !== 'string') throw new Error(`did:key is written here for Ed25519, P-256 and P-384 keys, not ${[jwk.kty, jwk.crv].filter(Boolean).join(' ')}`);
  const code = Number(entry[0]);
  const x = Buffer.from(jwk.x, 'base64url');
  // EC: the compressed SEC1 point (0x02 even y, 0x03 odd y, then x); Ed25519: the key itself.
  const key = jwk.kty === 'EC' ? Buffer.concat([Buffer.from([typeof jwk.y === 'string' && Buffer.from(jwk.y, 'base64url').at(-1)! % 2 === 1 ? 3 : 2]), x]) : x;
  return `did:key:z${base58btcEncode(Buffer.concat([varintBytes(code), key]))}`;
}

/** The DID URL a proof's kid names for `did`: did:jwk's `#0`, did:key's own multibase fragment. */
export function didUrlOf(did: string): string {
  return didMethodOf(did) === 'did:key' ? `${did}#${did.slice('did:key:'.length)}` : `${did}#0`;
}

/** A compressed SEC1 point → x and y (Node's ECDH decompresses it and checks it is on the curve). */
function ecJwk(compressed: Buffer, curve: string, crv: string): JWK {
  let point: Buffer;
  try {
    point = ECDH.convertKey(compressed, curve, undefined, undefined, 'uncompressed') as Buffer;
  } catch {
    throw new Error(`did:key ${crv} key is not a point on the curve`);
  }
  const size = (point.length - 1) / 2;
  return { kty: 'EC', crv, x: point.subarray(1, 1 + size).toString('base64url'), y: point.subarray(1 + size).toString('base64url') };
}

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58btc(text: string): Buffer {
  const bytes: number[] = [];
  for (const char of text) {
    let carry = ALPHABET.indexOf(char);
    if (carry < 0) throw new Error(`did:key has a character outside base58btc: ${JSON.stringify(char)}`);
    for (let i = 0; i < bytes.length; i++) {
      carry += bytes[i]! * 58;
      bytes[i] = carry & 0xff;
      carry >>= 8;
    }
    for (; carry > 0; carry >>= 8) bytes.push(carry & 0xff);
  }
  // Each leading "1" is a leading zero byte.
  for (let i = 0; i < text.length && text[i] === '1'; i++) bytes.push(0);
  return Buffer.from(bytes.reverse());
}

function base58btcEncode(bytes: Buffer): string {
  const digits: number[] = [];
  for (const byte of bytes) {
    let carry = byte;
    for (let i = 0; i < digits.length; i++) {
      carry += digits[i]! << 8;
      digits[i] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    for (; carry > 0; carry = Math.floor(carry / 58)) digits.push(carry % 58);
  }
  // Each leading zero byte is a leading "1".
  let zeros = '';
  for (let i = 0; i < bytes.length && bytes[i] === 0; i++) zeros += '1';
  return (
    zeros +
    digits
      .reverse()
      .map((d) => ALPHABET[d])
      .join('')
  );
}

function varintBytes(value: number): Buffer {
  const bytes: number[] = [];
  for (; value >= 0x80; value = Math.floor(value / 0x80)) bytes.push((value & 0x7f) | 0x80);
  bytes.push(value);
  return Buffer.from(bytes);
}

/** An unsigned LEB128 varint (multicodec prefixes): the value and the bytes it took. */
function varint(bytes: Buffer): [number, number] {
  let value = 0;
  for (let i = 0; i < Math.min(bytes.length, 4); i++) {
    value += (bytes[i]! & 0x7f) * 2 ** (7 * i);
    if ((bytes[i]! & 0x80) === 0) return [value, i + 1];
  }
  throw new Error('did:key has no valid multicodec prefix');
}
