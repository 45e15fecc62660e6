import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { IssuerMetadataResult } from '@openid4vc/openid4vci';
import { decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose';
import { type IssuerKeyStore, sameIssuer } from './issuer-keys.js';
import { thumbprint } from './keys.js';

/**
 * Whether the issuer's signature verified, with which key, or why not. `keyNotFound` marks the
 * one failure a user may choose to accept: the issuer's key could not be found at all (a DID
 * method this wallet does not resolve, an issuer that publishes no keys). Every other failure
 * — a signature that does not verify, a key or algorithm not tied to the issuer — is final.
 */
export interface SignatureCheck {
  verified: boolean;
  /** e.g. `kid k1 from https://…/jwks`, `x5c CN=… (chain to trust anchor CN=…)`. */
  key?: string;
  reason?: string;
  keyNotFound?: boolean;
}

/** What the trust decision needs besides the credential. */
export interface TrustContext {
  metadata: IssuerMetadataResult;
  configurationId: string;
  /** The credential issuer's published keys, fetched once per claim. */
  keys: IssuerKeyStore;
  /** Certificates an x5c/x5chain must chain to; none means "the issuer publishes the leaf's key". */
  anchors: X509Certificate[];
  /** The DID the proof named (a configuration binding to DIDs only): the credential must be bound to it. */
  holderDid?: string;
}

/** Asymmetric JWS algorithms: a MAC (HS256) or `none` proves nothing about who signed. */
const ASYMMETRIC = new Set(['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512']);

/** COSE algorithm identifiers (mso_mdoc, OID4VCI 1.0 metadata) by their JOSE names. */
const COSE_ALGORITHMS: Record<number, string> = {
  [-7]: 'ES256',
  [-35]: 'ES384',
  [-36]: 'ES512',
  [-8]: 'EdDSA',
  [-19]: 'Ed25519',
  [-37]: 'PS256',
  [-38]: 'PS384',
  [-39]: 'PS512',
  [-257]: 'RS256',
  [-258]: 'RS384',
  [-259]: 'RS512',
};

/** An x5c/x5chain longer than this is refused: no issuer needs more. */
const MAX_CHAIN = 10;
/** Published keys tried against a JWT whose header names none. */
const MAX_KEYS_WITHOUT_KID = 20;

export const joseAlgorithm = (alg: unknown): string | undefined => (typeof alg === 'number' ? COSE_ALGORITHMS[alg] : typeof alg === 'string' ? alg : undefined);

const notVerified = (reason: string, extra: Partial<SignatureCheck> = {}): SignatureCheck => ({ verified: false, reason, ...extra });

/** Why `alg` is not acceptable for this configuration, or undefined when it is. */
export function algorithmProblem(alg: string | undefined, context: TrustContext): string | undefined {
  if (!alg || !ASYMMETRIC.has(alg)) return `alg ${alg ?? '(none)'} is not an asymmetric signature algorithm`;
  const configuration = context.metadata.credentialIssuer.credential_configurations_supported[context.configurationId] as Record<string, unknown> | undefined;
  const advertised = configuration?.credential_signing_alg_values_supported;
  // An issuer that advertises nothing limits nothing beyond "asymmetric".
  if (!Array.isArray(advertised) || advertised.length === 0) return undefined;
  const names = advertised.map(joseAlgorithm).filter((a): a is string => a !== undefined);
  if (names.includes(alg)) return undefined;
  return `alg ${alg} is not one the issuer advertises for ${context.configurationId} (${names.join(', ') || advertised.join(', ')})`;
}

/**
 * Verifies an issuer-signed JWT (a JWT VC, or the issuer JWT of an SD-JWT) against the trust
 * model (docs/security.md, "The wallet"): an advertised asymmetric algorithm, and a key tied to
 * the credential's issuer — published by the credential issuer named in `iss`, the DID that is
 * `iss`, or an x5c chain to a trust anchor (without anchors, a leaf whose key the issuer publishes).
 */
export async function verifyIssuerJwt(compact: string, iss: string | undefined, context: TrustContext): Promise<SignatureCheck> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(compact);
  } catch {
    return notVerified('the JWT header cannot be read');
  }
  const alg = header.alg;
  const problem = algorithmProblem(alg, context);
  if (problem) return notVerified(problem);
  if (!iss) return notVerified('the credential names no issuer (iss)');
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  let found: { key: KeyObject | JWK; label: string } | SignatureCheck;
  if (iss.startsWith('did:')) found = await didIssuerKey(iss, kid);
  else if (/^https?:\/\//i.test(iss)) {
    const credentialIssuer = context.metadata.credentialIssuer.credential_issuer;
    if (!sameIssuer(iss, credentialIssuer))
      return notVerified(`iss ${short(iss)} is not the credential issuer ${credentialIssuer}: a credential of one issuer must not pass for another's`);
    if (header.x5c !== undefined) found = await certificateKey(header.x5c, 'x5c', context);
    else if (kid !== undefined) found = await publishedKey(kid, context);
    else return verifyWithAnyPublishedKey(compact, alg!, context);
  } else return notVerified(`iss ${short(iss)} is neither the credential issuer nor a DID`);
  if ('verified' in found) return found;
  return verifyWith(compact, alg!, found.key, found.label);
}

async function verifyWith(compact: string, alg: string, key: KeyObject | JWK, label: string): Promise<SignatureCheck> {
  let imported: Awaited<ReturnType<typeof importJWK>> | KeyObject;
  try {
    imported = 'kty' in key ? await importJWK(key as JWK, alg) : (key as KeyObject);
  } catch (error) {
    return notVerified(`the key ${label} cannot verify ${alg}: ${(error as Error).message}`, { key: label });
  }
  try {
    await jwtVerify(compact, imported, { algorithms: [alg], clockTolerance: 300 });
    return { verified: true, key: label };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? `signature does not verify with ${label}` : `${label}: ${(error as Error).message}`;
    return notVerified(why, { key: label });
  }
}

/** The key the issuer publishes under `kid`; a kid it does not publish is not its key. */
async function publishedKey(kid: string, context: TrustContext): Promise<{ key: JWK; label: string } | SignatureCheck> {
  const search = await context.keys.find((jwk) => jwk.kid === kid);
  if (search.key) return { key: search.key.jwk, label: `kid ${short(kid)} from ${search.key.source}` };
  if (search.published === 0) return notVerified(`no key with kid ${short(kid)} at ${search.tried.join(', ')}`, { keyNotFound: true });
  return notVerified(`kid ${short(kid)} is not a key the issuer publishes (${search.published} published at ${search.tried.join(', ')})`);
}

/** No kid in the header: each published key is tried, a bounded number of them. */
async function verifyWithAnyPublishedKey(compact: string, alg: string, context: TrustContext): Promise<SignatureCheck> {
  const { keys, tried } = await context.keys.all();
  if (keys.length === 0) return notVerified(`no kid in the header, and no keys at ${tried.join(', ')}`, { keyNotFound: true });
  const candidates = keys.slice(0, MAX_KEYS_WITHOUT_KID);
  for (const { jwk, source } of candidates) {
    const check = await verifyWith(compact, alg, jwk, `key ${thumbprint(jwk).slice(0, 12)}… from ${source} (no kid in the header)`);
    if (check.verified) return check;
  }
  return notVerified(`no kid in the header, and the signature verifies with none of the ${candidates.length} keys the issuer publishes`);
}

/**
 * The leaf key of an x5c/x5chain, if it is tied to the issuer: chained to a trust anchor when
 * anchors are given, else published by the issuer itself.
 */
export async function certificateKey(x5c: unknown, what: 'x5c' | 'x5chain', context: TrustContext): Promise<{ key: KeyObject; label: string } | SignatureCheck> {
  const chain = parseChain(x5c);
  if (typeof chain === 'string') return notVerified(`${what}: ${chain}`);
  const leaf = chain[0]!;
  const name = `${what} ${describeCertificate(leaf)}`;
  if (context.anchors.length > 0) {
    const chained = chainToAnchor(chain, context.anchors, new Date());
    if (typeof chained === 'string') return notVerified(`${name} does not chain to a trust anchor: ${chained}`);
    return { key: leaf.publicKey, label: `${name} (chain to trust anchor ${describeCertificate(chained)})` };
  }
  const leafThumbprint = thumbprint(leaf.publicKey.export({ format: 'jwk' }) as JWK);
  const search = await context.keys.find((jwk) => thumbprint(jwk) === leafThumbprint);
  if (search.key) return { key: leaf.publicKey, label: `${name} (its key is published by the issuer; the chain was not checked)` };
  if (search.published === 0) return notVerified(`${name}: no trust anchor was given, and no issuer keys at ${search.tried.join(', ')}`, { keyNotFound: true });
  return notVerified(`${name}: no trust anchor was given, and the issuer does not publish its key`);
}

/** base64 DER certificates (x5c) or DER byte arrays (COSE x5chain), leaf first. */
function parseChain(x5c: unknown): X509Certificate[] | string {
  const items = Array.isArray(x5c) ? x5c : [x5c];
  if (items.length === 0) return 'empty';
  if (items.length > MAX_CHAIN) return `more than ${MAX_CHAIN} certificates`;
  const chain: X509Certificate[] = [];
  for (const [i, item] of items.entries()) {
    try {
      chain.push(new X509Certificate(typeof item === 'string' ? Buffer.from(item, 'base64') : Buffer.from(item as Uint8Array)));
    } catch {
      return `certificate ${i} cannot be read`;
    }
  }
  return chain;
}

/**
 * The trust anchor `chain` leads to, or why it does not: every certificate valid now, each
 * issued and signed by the next (a CA), the last one an anchor or issued by one.
 */
function chainToAnchor(chain: X509Certificate[], anchors: X509Certificate[], now: Date): X509Certificate | string {
  for (const cert of chain) {
    if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) return `${describeCertificate(cert)} is not valid now (${cert.validFrom} to ${cert.validTo})`;
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    const [cert, issuer] = [chain[i]!, chain[i + 1]!];
    if (!issuer.ca) return `${describeCertificate(issuer)} is not a CA certificate`;
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) return `${describeCertificate(cert)} is not issued by ${describeCertificate(issuer)}`;
  }
  const last = chain.at(-1)!;
  for (const anchor of anchors) {
    if (anchor.fingerprint256 === last.fingerprint256) return anchor;
    const valid = now >= new Date(anchor.validFrom) && now <= new Date(anchor.validTo);
    if (valid && last.checkIssued(anchor) && last.verify(anchor.publicKey)) return anchor;
  }
  return `${describeCertificate(last)} is issued by ${describeName(last.issuer)}, not by any of the ${anchors.length} trust anchors`;
}

/** The certificate's CN (or its whole subject): what a person recognises. */
function describeCertificate(cert: X509Certificate): string {
  return describeName(cert.subject);
}

function describeName(name: string): string {
  const cn = name.split('\n').find((part) => part.startsWith('CN='));
  return short(cn ?? name.replaceAll('\n', ', '), 120);
}

/** An issuer DID's key: did:jwk and did:key (P-256, P-384, Ed25519) are resolved here; other methods are not. */
async function didIssuerKey(iss: string, kid: string | undefined): Promise<{ key: JWK; label: string } | SignatureCheck> {
  // A kid naming another DID (or a key elsewhere) is not the issuer's key, whatever it verifies.
  if (kid !== undefined && kid !== iss && !kid.startsWith(`${iss}#`)) return notVerified(`kid ${short(kid)} is not a key of the issuer ${short(iss)}`);
  const method = iss.split(':')[1] ?? '';
  const jwk = resolveDid(iss);
  if (jwk === undefined) return notVerified(`issuer did:${method} DIDs are not resolved by this wallet`, { keyNotFound: true });
  if (typeof jwk === 'string') return notVerified(`the issuer's ${short(iss)}: ${jwk}`);
  return { key: jwk, label: `iss did:${method}` };
}

/** A DID's public key; a string says why it has none; undefined: the method is not resolved here. */
export function resolveDid(did: string): JWK | string | undefined {
  const bare = did.split('#')[0]!;
  if (bare.startsWith('did:jwk:')) {
    let jwk: unknown;
    try {
      jwk = JSON.parse(Buffer.from(bare.slice('did:jwk:'.length), 'base64url').toString('utf8'));
    } catch {
      return 'not a JSON Web Key';
    }
    return asymmetricPublicJwk(jwk);
  }
  if (bare.startsWith('did:key:z')) return didKeyJwk(bare.slice('did:key:z'.length));
  return undefined;
}

function asymmetricPublicJwk(value: unknown): JWK | string {
  if (typeof value !== 'object' || value === null) return 'not a JSON Web Key';
  const jwk = value as JWK;
  if (jwk.kty === 'EC' && typeof jwk.x === 'string' && typeof jwk.y === 'string') return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
  if (jwk.kty === 'OKP' && typeof jwk.x === 'string') return { kty: 'OKP', crv: jwk.crv, x: jwk.x };
  if (jwk.kty === 'RSA' && typeof jwk.n === 'string' && typeof jwk.e === 'string') return { kty: 'RSA', n: jwk.n, e: jwk.e };
  return `not an asymmetric public key (kty ${String(jwk.kty).slice(0, 20)})`;
}

// did:key multicodec prefixes (varint) and the DER that turns a compressed EC point into an SPKI.
const SPKI_EC_P256 = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');
const SPKI_EC_P384 = Buffer.from('3046301006072a8648ce3d020106052b81040022033200', 'hex');

function didKeyJwk(encoded: string): JWK | string {
  if (encoded.length > 200) return 'too long for a key';
  const bytes = base58btc(encoded);
  if (!bytes) return 'not base58btc';
  const [a, b] = [bytes[0], bytes[1]];
  const key = bytes.subarray(2);
  try {
    if (a === 0xed && b === 0x01 && key.length === 32) return { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key).toString('base64url') };
    const spki = a === 0x80 && b === 0x24 && key.length === 33 ? SPKI_EC_P256 : a === 0x81 && b === 0x24 && key.length === 49 ? SPKI_EC_P384 : undefined;
    if (!spki) return 'a key type this wallet does not read (Ed25519, P-256 and P-384 are)';
    const jwk = createPublicKey({ key: Buffer.concat([spki, key]), format: 'der', type: 'spki' }).export({ format: 'jwk' }) as JWK;
    return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
  } catch {
    return 'not a valid public key';
  }
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58btc(text: string): Uint8Array | undefined {
  let n = 0n;
  for (const ch of text) {
    const digit = BASE58.indexOf(ch);
    if (digit < 0) return undefined;
    n = n * 58n + BigInt(digit);
  }
  const hex = n === 0n ? '' : n.toString(16);
  const body = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  const zeros = text.length - text.replace(/^1+/, '').length;
  return Buffer.concat([Buffer.alloc(zeros), body]);
}

/** Whether a credential's bound key is the wallet's own (RFC 7638 thumbprints: the key, not how it is written). */
export function boundTo(bound: JWK, holderJwk: JWK): 'holder-key' | 'other-key' {
  return thumbprint(bound) === thumbprint(holderJwk) ? 'holder-key' : 'other-key';
}

/** The trust decision on one credential: verified and bound, or why not. */
export interface CredentialTrust {
  /** `unverified`: the issuer's key could not be found (a user may accept that); `untrusted`: it fails. */
  status: 'trusted' | 'unverified' | 'untrusted';
  reason?: string;
}

/**
 * A credential is trusted when its signature verified and it is bound to the wallet's key — or
 * bound to nothing when the configuration binds nothing (no cryptographic_binding_methods_supported).
 */
export function judgeCredential(signature: SignatureCheck, binding: 'holder-key' | 'other-key' | 'none' | undefined, context: TrustContext): CredentialTrust {
  if (!signature.verified && !signature.keyNotFound) return { status: 'untrusted', reason: signature.reason ?? 'the signature was not verified' };
  const configuration = context.metadata.credentialIssuer.credential_configurations_supported[context.configurationId] as Record<string, unknown> | undefined;
  const methods = configuration?.cryptographic_binding_methods_supported;
  const bindingRequired = Array.isArray(methods) && methods.length > 0;
  if (binding === 'other-key')
    return {
      status: 'untrusted',
      reason: context.holderDid ? `bound to another DID or key than the wallet's ${short(context.holderDid.split('#')[0]!)}` : "bound to another key than the wallet's",
    };
  if (binding !== 'holder-key' && bindingRequired)
    return { status: 'untrusted', reason: "not bound to the wallet's key (no cnf.jwk, subject DID or device key), though the issuer binds this credential" };
  if (signature.verified) return { status: 'trusted' };
  return { status: 'unverified', reason: signature.reason ?? "the issuer's key was not found" };
}

/** Long identifiers (a did:jwk is a whole key) cut for one-line reasons. */
function short(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
