import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, SignJWT, jwtVerify, type JWK } from 'jose';
import { UsageError } from '../errors.js';

/** The wallet's key: the private JWK (never printed) and its public half (sent in proofs). */
export interface HolderKey {
  privateJwk: JWK;
  publicJwk: JWK;
  alg: string;
}

const ALG_BY_CURVE: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512', Ed25519: 'EdDSA' };

/** An ephemeral P-256 key, or the private JWK in `file` (`--holder-key`). */
export async function holderKey(file?: string): Promise<HolderKey> {
  if (file === undefined) {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    return fromPrivateJwk(await exportJWK(privateKey), 'ES256');
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read holder key ${file}: ${code ?? 'not a JSON Web Key'}`);
  }
  const alg = typeof jwk.alg === 'string' ? jwk.alg : ALG_BY_CURVE[jwk.crv ?? ''];
  if (!jwk || typeof jwk !== 'object' || typeof jwk.d !== 'string' || !alg) throw new UsageError(`holder key ${file} must be a private EC or OKP JWK (with "d")`);
  return fromPrivateJwk(jwk, alg);
}

function fromPrivateJwk(jwk: JWK, alg: string): HolderKey {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
  return { privateJwk: jwk, publicJwk, alg };
}

/** RFC 7638 thumbprint (for matching a signer's public JWK to the holder key). */
export function thumbprint(jwk: JWK): string {
  const members =
    jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/**
 * Signs a JWT whose header names `publicJwk`. With `forge`, the signature is made by another,
 * random key: a proof of possession the issuer must refuse (`--invalid-proof`).
 */
export async function signWith(key: HolderKey, header: Record<string, unknown>, payload: Record<string, unknown>, forge = false): Promise<string> {
  const signing = forge ? await exportJWK((await generateKeyPair(key.alg, { extractable: true })).privateKey) : key.privateJwk;
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(await importJWK(signing, key.alg));
}

/** Verifies a compact JWT with a public JWK; false on any failure. */
export async function verifyWith(compact: string, jwk: JWK, alg: string): Promise<boolean> {
  try {
    await jwtVerify(compact, await importJWK(jwk, alg), { clockTolerance: 300 });
    return true;
  } catch {
    return false;
  }
}
