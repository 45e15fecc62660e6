import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { selfSignedCertificate } from '../shared/x509.js';

/** The sandbox issuer's signing key: fresh each run, published at /openid4vci/jwks. */
export interface IssuerKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Private JWK: walt.id ≤ 1.0 leaks it in every event's session; the legacy generation mimics that. */
  privateJwk: JWK;
  publicJwk: JWK & { kid: string };
  kid: string;
  /** Self-signed certificate (DER) for mso_mdoc's x5chain. */
  certificate: Buffer;
}

export function createIssuerKeys(): IssuerKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = `sandbox-${Date.now().toString(36)}`;
  const publicJwk = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'ES256', use: 'sig' };
  return {
    privateKey,
    publicKey,
    privateJwk: { ...(privateKey.export({ format: 'jwk' }) as JWK), kid },
    publicJwk,
    kid,
    certificate: selfSignedCertificate(privateKey, { commonName: 'issuer-events sandbox issuer' }),
  };
}
