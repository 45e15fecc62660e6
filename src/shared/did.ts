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
const CURVES: Record<number, { name: string; length?: number; jwk: (bytes: Buffer) => JWK }> = {
  237: { name: 'ed25519-pub', length: 32, jwk: (b) => ({ kty: 'OKP', crv: 'Ed25519', x: b.toString('base64url') }) },
  4608: { name: 'p256-pub', length: 33, jwk: (b) => ecJwk(b, 'prime256v1', 'P-256') },
  4609: { name: 'p384-pub', length: 49, jwk: (b) => ecJwk(b, 'secp384r1', 'P-384') },
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

/** An unsigned LEB128 varint (multicodec prefixes): the value and the bytes it took. */
function varint(bytes: Buffer): [number, number] {
  let value = 0;
  for (let i = 0; i < Math.min(bytes.length, 4); i++) {
    value += (bytes[i]! & 0x7f) * 2 ** (7 * i);
    if ((bytes[i]! & 0x80) === 0) return [value, i + 1];
  }
  throw new Error('did:key has no valid multicodec prefix');
}
