import { generateKeyPairSync } from 'node:crypto';
import { CoseKey, DeviceKey, Issuer, SignatureAlgorithm } from '@owf/mdoc';
import { SignJWT, type JWK } from 'jose';
import { isPlainObject, type JsonObject } from '../shared/json.js';
import { mdocContext } from '../shared/mdoc-context.js';
import type { IssuerKeys } from './issuer-keys.js';
import type { SandboxProfile } from './profiles.js';

export interface IssueInput {
  profile: SandboxProfile;
  /** The profile's claims with the offer's credentialData patch applied. */
  credentialData: JsonObject;
  /** The wallet's proof key: the credential is bound to it (none: `--fault accept-missing-proof`). */
  holderJwk?: JWK;
  /** The DID the proof's kid named (did:jwk, did:key): the credential's subject. */
  holderDid?: string;
  /** `<base>/openid4vci`: iss of JWT credentials. */
  issuerUrl: string;
  keys: IssuerKeys;
  validitySeconds?: number;
}

/** A fresh P-256 public key nobody keeps: a binding the wallet cannot use (faults). */
export function throwawayKey(): JWK {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return publicKey.export({ format: 'jwk' }) as JWK;
}

/** Issues and signs one credential in the profile's format. */
export function issueCredential(input: IssueInput): Promise<string> {
  if (input.profile.format === 'w3c_vc') return issueJwtVc(input);
  if (input.profile.format === 'sd_jwt_vc') return issueSdJwtVc(input);
  return issueMdoc(input);
}

const didJwk = (jwk: JWK): string => `did:jwk:${Buffer.from(JSON.stringify({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y })).toString('base64url')}`;

/** jwt_vc_json: a W3C VC in a JWT, subject = the proof's DID or the holder key's did:jwk, signed ES256 with the issuer kid. */
async function issueJwtVc({ profile, credentialData, holderJwk, holderDid, issuerUrl, keys, validitySeconds = 365 * 86_400 }: IssueInput): Promise<string> {
  const subject = holderDid ?? (holderJwk && didJwk(holderJwk));
  const now = Math.floor(Date.now() / 1000);
  const subjectClaims = isPlainObject(credentialData.credentialSubject) ? credentialData.credentialSubject : {};
  const vc = {
    ...credentialData,
    type: profile.type,
    issuer: { id: issuerUrl },
    issuanceDate: new Date(now * 1000).toISOString(),
    credentialSubject: subject ? { ...subjectClaims, id: subject } : subjectClaims,
  };
  const jwt = new SignJWT({ vc, jti: `urn:uuid:${crypto.randomUUID()}` }).setProtectedHeader({ alg: 'ES256', kid: keys.kid, typ: 'JWT' });
  if (subject) jwt.setSubject(subject);
  return jwt
    .setIssuer(issuerUrl)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + validitySeconds)
    .sign(keys.privateKey);
}

/** dc+sd-jwt: every top-level claim selectively disclosable, cnf.jwk = the holder key (and sub = its DID when the proof named one). */
async function issueSdJwtVc({ profile, credentialData, holderJwk, holderDid, issuerUrl, keys, validitySeconds = 365 * 86_400 }: IssueInput): Promise<string> {
  const { SDJwtVcInstance } = await import('@sd-jwt/sd-jwt-vc');
  const { digest, ES256, generateSalt } = await import('@sd-jwt/crypto-nodejs');
  const sdjwt = new SDJwtVcInstance({ signer: await ES256.getSigner(keys.privateJwk), signAlg: 'ES256', hasher: digest, hashAlg: 'sha-256', saltGenerator: generateSalt });
  const now = Math.floor(Date.now() / 1000);
  const { cnf: _c, iss: _i, vct: _v, ...claims } = credentialData;
  // cnf.jwk even for a DID-bound credential: key binding JWTs are checked against it.
  const subject = holderDid ? { sub: holderDid } : {};
  const binding = holderJwk ? { cnf: { jwk: holderJwk } } : {};
  const payload = { ...claims, ...subject, iss: issuerUrl, iat: now, exp: now + validitySeconds, vct: `${issuerUrl}/${String(profile.type)}`, ...binding };
  const frame = { _sd: Object.keys(claims) } as never;
  // The certificate chain in x5c as walt.id's SD-JWT profiles carry it (x5Chain) and HAIP requires; the kid stays for JWKS lookups.
  const x5c = [keys.certificate.toString('base64')];
  return sdjwt.issue(payload as never, frame, { header: { kid: keys.kid, typ: 'dc+sd-jwt', x5c } });
}

/** mso_mdoc: IssuerSigned with the holder key as device key, signed with the issuer's x5chain. */
async function issueMdoc({ profile, credentialData, holderJwk, keys, validitySeconds = 365 * 86_400 }: IssueInput): Promise<string> {
  const issuer = new Issuer(String(profile.type), mdocContext);
  for (const [namespace, elements] of Object.entries(credentialData)) if (isPlainObject(elements)) issuer.addIssuerNamespace(namespace, elements);
  const now = new Date();
  const signed = await issuer.sign({
    signingKey: CoseKey.fromJwk(keys.privateJwk as Record<string, unknown>),
    algorithm: SignatureAlgorithm.ES256,
    digestAlgorithm: 'SHA-256',
    validityInfo: { signed: now, validFrom: now, validUntil: new Date(now.getTime() + validitySeconds * 1000) },
    // An mdoc always names a device key: without a proof (a fault), one nobody holds.
    deviceKeyInfo: { deviceKey: DeviceKey.fromJwk((holderJwk ?? throwawayKey()) as Record<string, unknown>) },
    certificates: [new Uint8Array(keys.certificate)],
  });
  return signed.encodedForOid4Vci;
}
