import { createHash } from 'node:crypto';
import { decodeJwt, type JWK } from 'jose';
import { isPlainObject, type JsonObject } from '../shared/json.js';
import { type SignatureCheck, type TrustContext, verifyIssuerJwt } from './trust.js';

export type { SignatureCheck } from './trust.js';

/** What a credential says, by format. */
export interface DecodedCredential {
  issuer?: string;
  subject?: string;
  /** W3C `type`, SD-JWT `vct` or mdoc `docType`. */
  types: string[];
  /** Issuer-signed claims (W3C credentialSubject, SD-JWT plain claims, mdoc elements by namespace). */
  claims: JsonObject;
  /** SD-JWT: every disclosure, as [name, value] (array elements have no name). */
  disclosures?: { name?: string; value: unknown; digest: string }[];
  /** Whether the credential is bound to the wallet's holder key (cnf.jwk, sub did:jwk, mdoc deviceKey). */
  holderBinding?: 'holder-key' | 'other-key' | 'none';
  validFrom?: string;
  validUntil?: string;
}

export interface DecodeContext extends TrustContext {
  holderJwk: JWK;
}

/** Decodes one credential of `format` and verifies the issuer's signature where its key can be found. */
export async function decodeCredential(format: string, raw: unknown, context: DecodeContext): Promise<{ decoded: DecodedCredential; signature: SignatureCheck }> {
  if (format === 'mso_mdoc') {
    const { decodeMdoc } = await import('./mdoc.js');
    return decodeMdoc(String(raw), context);
  }
  if (typeof raw !== 'string') throw new Error(`a ${format} credential must be a string, got ${typeof raw}`);
  if (format === 'dc+sd-jwt' || format === 'vc+sd-jwt') return decodeSdJwt(raw, context);
  if (format === 'jwt_vc_json' || format === 'jwt_vc' || format === 'jwt_vc_json-ld') return decodeJwtVc(raw, context);
  throw new Error(`unsupported credential format ${format}`);
}

function decodeJwtVc(raw: string, context: DecodeContext): Promise<{ decoded: DecodedCredential; signature: SignatureCheck }> {
  const payload = decodeJwt(raw) as JsonObject;
  const vc = isPlainObject(payload.vc) ? payload.vc : payload;
  const subjectObject = isPlainObject(vc.credentialSubject) ? vc.credentialSubject : {};
  const issuer = typeof payload.iss === 'string' ? payload.iss : isPlainObject(vc.issuer) ? String(vc.issuer.id) : typeof vc.issuer === 'string' ? vc.issuer : undefined;
  const subject = typeof payload.sub === 'string' ? payload.sub : typeof subjectObject.id === 'string' ? subjectObject.id : undefined;
  const decoded: DecodedCredential = {
    issuer,
    subject,
    types: Array.isArray(vc.type) ? vc.type.map(String) : typeof vc.type === 'string' ? [vc.type] : [],
    claims: subjectObject,
    holderBinding: bindingOf(payload, subject, context.holderJwk),
    validFrom: epochOrString(payload.nbf ?? payload.iat ?? vc.validFrom ?? vc.issuanceDate),
    validUntil: epochOrString(payload.exp ?? vc.validUntil ?? vc.expirationDate),
  };
  return verifyIssuerJwt(raw, issuer, context).then((signature) => ({ decoded, signature }));
}

async function decodeSdJwt(raw: string, context: DecodeContext): Promise<{ decoded: DecodedCredential; signature: SignatureCheck }> {
  const { decodeSdJwt: decode, getClaims } = await import('@sd-jwt/decode');
  const hasher = async (data: string | ArrayBuffer, alg: string): Promise<Uint8Array> =>
    createHash(alg.replace('-', '').toLowerCase())
      .update(typeof data === 'string' ? data : Buffer.from(data))
      .digest();
  const sdJwt = await decode(raw, hasher);
  const payload = sdJwt.jwt.payload as JsonObject;
  const claims = (await getClaims(payload, sdJwt.disclosures, hasher)) as JsonObject;
  const issuerJwt = raw.split('~')[0]!;
  const issuer = typeof payload.iss === 'string' ? payload.iss : undefined;
  const { _sd: _ignored, _sd_alg: _alg, cnf: _cnf, iss: _iss, iat: _iat, exp: _exp, nbf: _nbf, vct: _vct, status: _status, ...visible } = claims;
  const decoded: DecodedCredential = {
    issuer,
    subject: typeof payload.sub === 'string' ? payload.sub : undefined,
    types: typeof payload.vct === 'string' ? [payload.vct] : [],
    claims: visible,
    disclosures: sdJwt.disclosures.map((d) => ({ name: d.key, value: d.value, digest: createHash('sha256').update(d.encode()).digest('base64url') })),
    holderBinding: bindingOf(payload, undefined, context.holderJwk),
    validFrom: epochOrString(payload.nbf ?? payload.iat),
    validUntil: epochOrString(payload.exp),
  };
  return { decoded, signature: await verifyIssuerJwt(issuerJwt, issuer, context) };
}

function bindingOf(payload: JsonObject, subject: string | undefined, holderJwk: JWK): DecodedCredential['holderBinding'] {
  const cnf = isPlainObject(payload.cnf) && isPlainObject(payload.cnf.jwk) ? (payload.cnf.jwk as JWK) : undefined;
  const fromDid = subject?.startsWith('did:jwk:') ? didJwk(subject) : undefined;
  const bound = cnf ?? fromDid;
  if (!bound) return 'none';
  return bound.x === holderJwk.x && bound.y === holderJwk.y ? 'holder-key' : 'other-key';
}

function epochOrString(value: unknown): string | undefined {
  if (typeof value === 'number') return new Date(value * 1000).toISOString();
  return typeof value === 'string' ? value : undefined;
}

/** did:jwk:<base64url JSON JWK>[#0] → the JWK. */
export function didJwk(did: string): JWK | undefined {
  try {
    return JSON.parse(Buffer.from(did.slice('did:jwk:'.length).split('#')[0]!, 'base64url').toString('utf8')) as JWK;
  } catch {
    return undefined;
  }
}
