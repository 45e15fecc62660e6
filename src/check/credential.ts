import { createHash } from 'node:crypto';
import type { IssuerMetadataResult } from '@openid4vc/openid4vci';
import { decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { isPlainObject, type JsonObject } from '../shared/json.js';
import { decodeCredential } from '../wallet/credentials.js';
import { IssuerKeyStore } from '../wallet/issuer-keys.js';
import { thumbprint } from '../wallet/keys.js';
import { resolveDid, type SignatureCheck } from '../wallet/trust.js';
import type { Discovery } from './discovery.js';
import type { CheckHttp } from './http.js';
import { type Finding, fail, pass, skip, warn } from './results.js';

/** One check of an issued credential, as the happy flow and batch modules record it. */
interface CredentialCheck {
  check: string;
  finding: Finding;
  spec: string;
  ms?: number;
}

interface CredentialContext {
  format: string;
  configurationId: string;
  configuration: JsonObject;
  discovery: Discovery;
  http: CheckHttp;
  /** Thumbprints (RFC 7638) of the keys whose possession the request's proofs demonstrated. */
  proofKeys: readonly string[];
  /** Any one proof key (the wallet's decoder compares its binding with it). */
  holderJwk: JWK;
  /** An issuer key that cannot be found is a warning, not a failure (never a signature that fails). */
  allowUnverified: boolean;
}

const SPEC_BY_FORMAT: Record<string, { signature: string; type: string }> = {
  jwt_vc_json: { signature: 'OID4VCI 1.0 Appendix A.1.1; VC Data Model 1.1 §6.3.1 (JWT)', type: 'OID4VCI 1.0 Appendix A.1.1.2' },
  'dc+sd-jwt': { signature: 'OID4VCI 1.0 Appendix A.3; SD-JWT VC §3.2', type: 'OID4VCI 1.0 Appendix A.3.2' },
  'vc+sd-jwt': { signature: 'OID4VCI 1.0 Appendix A.3; SD-JWT VC §3.2', type: 'OID4VCI 1.0 Appendix A.3.2' },
  mso_mdoc: { signature: 'OID4VCI 1.0 Appendix A.2; ISO/IEC 18013-5 §9.1.2.4', type: 'OID4VCI 1.0 Appendix A.2.2' },
};

/**
 * What the conformance suite checks of an issued credential (`VCIProfileBehavior.verifyIssuedCredential`:
 * `ValidateSdJwtVcCredentialClaims`, `EnsureSdJwtVcVctMatchesCredentialConfiguration`,
 * `VCIEnsureSdJwtCnfMatchesProofKey`, `ValidateMdocCredential`, `VCIEnsureMdocDeviceKeyMatchesProofKey`),
 * and the same for jwt_vc_json, which the suite does not cover: the issuer's signature, the
 * binding to a proof key, the type asked for, and the format's own rules.
 */
export async function checkCredential(raw: unknown, context: CredentialContext): Promise<{ checks: CredentialCheck[]; boundTo?: string }> {
  const specs = SPEC_BY_FORMAT[context.format] ?? { signature: 'OID4VCI 1.0 §8.3', type: 'OID4VCI 1.0 §8.3' };
  const started = performance.now();
  let decoded: Awaited<ReturnType<typeof decodeCredential>>;
  try {
    const metadata = {
      credentialIssuer: context.discovery.issuer.document,
      authorizationServers: context.discovery.authorizationServer?.document ? [context.discovery.authorizationServer.document] : [],
      originalDraftVersion: 'V1',
      knownCredentialConfigurations: {},
    } as unknown as IssuerMetadataResult;
    // The wallet's trust model (docs/security.md, "What verified means"): the same judgement as claim's.
    const keys = new IssuerKeyStore(metadata, context.http.fetch('decode'));
    decoded = await decodeCredential(context.format, raw, { metadata, configurationId: context.configurationId, keys, anchors: [], holderJwk: context.holderJwk });
  } catch (error) {
    return {
      checks: [
        { check: 'decode credential', finding: fail(`a ${context.format} credential that cannot be decoded: ${(error as Error).message.split('\n')[0]}`), spec: specs.signature },
      ],
    };
  }
  const checks: CredentialCheck[] = [
    { check: 'issuer signature', finding: signatureFinding(decoded.signature, context.allowUnverified), spec: specs.signature, ms: performance.now() - started },
  ];
  const binding = await bindingFinding(context.format, raw, context.proofKeys);
  checks.push({ check: 'holder binding', finding: binding.finding, spec: 'OID4VCI 1.0 §8.3' });
  checks.push({ check: 'credential type', finding: typeFinding(context.format, decoded.decoded.types, context.configuration), spec: specs.type });
  if (context.format === 'dc+sd-jwt' || context.format === 'vc+sd-jwt') checks.push(...sdJwtChecks(String(raw)));
  if (context.format === 'jwt_vc_json') checks.push(w3cChecks(String(raw)));
  return { checks, boundTo: binding.thumbprint };
}

function signatureFinding(signature: SignatureCheck, allowUnverified: boolean): Finding {
  if (signature.verified) return pass(`verified with ${signature.key ?? 'the issuer key'}`);
  // A signature that does not verify, or a key not tied to the issuer: never excused.
  if (!signature.keyNotFound) return fail(`not verified${signature.key ? ` with ${signature.key}` : ''}: ${signature.reason ?? 'invalid signature'}`);
  const why = `the issuer key was not found: ${signature.reason ?? 'no key'}`;
  return allowUnverified ? warn(`${why} (--allow-unverified)`) : fail(`${why} (--allow-unverified makes this a warning)`);
}

/** The key (or DID) the credential is bound to: cnf.jwk, a did:jwk subject, the mdoc device key. */
async function bindingKey(format: string, raw: unknown): Promise<JWK | string | undefined> {
  if (format === 'mso_mdoc') {
    const { IssuerSigned } = await import('@owf/mdoc');
    return IssuerSigned.fromEncodedForOid4Vci(String(raw)).issuerAuth.mobileSecurityObject.deviceKeyInfo.deviceKey.jwk as JWK;
  }
  const payload = decodeJwt(String(raw).split('~')[0]!) as JsonObject;
  if (isPlainObject(payload.cnf) && isPlainObject(payload.cnf.jwk)) return payload.cnf.jwk as JWK;
  const vc = isPlainObject(payload.vc) ? payload.vc : payload;
  const subject = isPlainObject(vc.credentialSubject) ? vc.credentialSubject.id : undefined;
  const did = typeof payload.sub === 'string' ? payload.sub : typeof subject === 'string' ? subject : undefined;
  if (did === undefined) return undefined;
  // did:jwk and did:key name their key; other methods stay a DID check does not resolve.
  const key = resolveDid(did);
  return typeof key === 'object' ? key : did;
}

async function bindingFinding(format: string, raw: unknown, proofKeys: readonly string[]): Promise<{ finding: Finding; thumbprint?: string }> {
  let bound: JWK | string | undefined;
  try {
    bound = await bindingKey(format, raw);
  } catch (error) {
    return { finding: fail(`the binding key cannot be read: ${(error as Error).message.split('\n')[0]}`) };
  }
  const what = format === 'mso_mdoc' ? 'the MSO device key' : 'the credential';
  if (bound === undefined) return { finding: fail(`${what} is bound to no key (no cnf.jwk, no did:jwk subject)`) };
  if (typeof bound === 'string') return { finding: warn(`${what} is bound to a ${bound.split(':').slice(0, 2).join(':')} DID, which check does not resolve`) };
  let print: string;
  try {
    print = thumbprint(bound);
  } catch {
    return { finding: fail(`${what} names a key that is not a JWK`) };
  }
  const finding = proofKeys.includes(print)
    ? pass(`${format === 'mso_mdoc' ? 'device key' : 'bound key'} is the proof key (thumbprint ${print.slice(0, 12)}…)`)
    : fail(`${what} is bound to a key that no proof of the request demonstrated`);
  return { finding, thumbprint: print };
}

function typeFinding(format: string, types: readonly string[], configuration: JsonObject): Finding {
  if (format === 'dc+sd-jwt' || format === 'vc+sd-jwt') {
    const expected = configuration.vct;
    if (typeof expected !== 'string') return fail('the configuration has no vct (REQUIRED for SD-JWT VC configurations)');
    return types[0] === expected ? pass(`vct ${expected}`) : fail(`vct ${types[0] ?? '(none)'} is not the configuration's ${expected}`);
  }
  if (format === 'mso_mdoc') {
    const expected = configuration.doctype;
    if (typeof expected !== 'string') return fail('the configuration has no doctype (REQUIRED for mso_mdoc configurations)');
    return types[0] === expected ? pass(`docType ${expected}`) : fail(`docType ${types[0] ?? '(none)'} is not the configuration's ${expected}`);
  }
  if (format === 'jwt_vc_json' || format === 'jwt_vc_json-ld' || format === 'ldp_vc') {
    const definition = isPlainObject(configuration.credential_definition) ? configuration.credential_definition : undefined;
    const expected = Array.isArray(definition?.type) ? definition.type.map(String) : undefined;
    if (!expected) return fail('the configuration has no credential_definition.type');
    const missing = expected.filter((t) => !types.includes(t));
    return missing.length === 0 ? pass(`type ${types.join(', ')}`) : fail(`type ${types.join(', ') || '(none)'} lacks ${missing.join(', ')} of the configuration`);
  }
  return skip(`format ${format} is not checked by issuer-events`);
}

const HASHES: Record<string, string> = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };

/** SD-JWT VC: the header typ, the time claims, and the disclosures (salts, digests referenced). */
export function sdJwtChecks(raw: string): CredentialCheck[] {
  const [jwt, ...rest] = raw.split('~');
  const header = decodeProtectedHeader(jwt!);
  const payload = decodeJwt(jwt!) as JsonObject;
  const typ = header.typ;
  const typFinding =
    typ === 'dc+sd-jwt'
      ? pass('typ dc+sd-jwt')
      : typ === 'vc+sd-jwt'
        ? warn('typ vc+sd-jwt is the pre-final name; SD-JWT VC now uses dc+sd-jwt')
        : fail(`typ ${typ ?? '(none)'}: an SD-JWT VC must have typ dc+sd-jwt`);
  const checks: CredentialCheck[] = [{ check: 'SD-JWT typ', finding: typFinding, spec: 'SD-JWT VC §3.2.1' }];
  checks.push({ check: 'time claims', finding: timeFinding(payload), spec: 'SD-JWT VC §3.2.2.2' });
  // The last element is the key binding JWT, empty for an issued credential.
  const disclosures = rest.slice(0, -1).filter((d) => d !== '');
  checks.push({ check: 'disclosures', finding: disclosureFinding(payload, disclosures), spec: 'SD-JWT §4.2, §7.1' });
  return checks;
}

function timeFinding(payload: JsonObject): Finding {
  const now = Math.floor(Date.now() / 1000);
  const problems: string[] = [];
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    const value = payload[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) problems.push(`${name} is not a NumericDate`);
  }
  if (typeof payload.iat === 'number' && payload.iat > now + 300) problems.push(`iat is ${payload.iat - now} s in the future`);
  if (typeof payload.exp === 'number' && payload.exp < now) problems.push('exp is in the past');
  if (typeof payload.nbf === 'number' && typeof payload.exp === 'number' && payload.nbf > payload.exp) problems.push('nbf is after exp');
  return problems.length ? fail(problems.join('; ')) : pass([payload.iat, payload.exp].some((v) => v !== undefined) ? 'iat/nbf/exp valid' : 'no time claims');
}

function disclosureFinding(payload: JsonObject, disclosures: readonly string[]): Finding {
  const alg = typeof payload._sd_alg === 'string' ? payload._sd_alg : 'sha-256';
  const hash = HASHES[alg];
  if (!hash) return fail(`_sd_alg ${alg} is not a hash algorithm check knows`);
  const decoded: { digest: string; salt: unknown; value: unknown }[] = [];
  for (const text of disclosures) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    } catch {
      return fail('a disclosure is not base64url JSON');
    }
    if (!Array.isArray(parsed) || (parsed.length !== 2 && parsed.length !== 3)) return fail('a disclosure is not an array of 2 or 3 elements');
    decoded.push({ digest: createHash(hash).update(text, 'ascii').digest('base64url'), salt: parsed[0], value: parsed.at(-1) });
  }
  const salts = decoded.map((d) => String(d.salt));
  if (new Set(salts).size !== salts.length) return fail('two disclosures share a salt');
  const referenced = new Set<string>();
  collectDigests(payload, referenced);
  for (const d of decoded) collectDigests(d.value, referenced);
  const unreferenced = decoded.filter((d) => !referenced.has(d.digest)).length;
  if (unreferenced) return fail(`${unreferenced} of ${decoded.length} disclosures are not referenced by any digest (a holder must reject them)`);
  return pass(`${decoded.length} disclosure${decoded.length === 1 ? '' : 's'}, salts unique, every digest referenced (${alg})`);
}

function collectDigests(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const element of value) {
      if (isPlainObject(element) && typeof element['...'] === 'string' && Object.keys(element).length === 1) into.add(element['...']);
      else collectDigests(element, into);
    }
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, inner] of Object.entries(value)) {
    if (key === '_sd' && Array.isArray(inner)) for (const digest of inner) if (typeof digest === 'string') into.add(digest);
    if (key !== '_sd') collectDigests(inner, into);
  }
}

/** jwt_vc_json (VC Data Model 1.1 JWT encoding): iss, and a `vc` claim with types and a subject. */
function w3cChecks(raw: string): CredentialCheck {
  const payload = decodeJwt(raw) as JsonObject;
  const problems: string[] = [];
  const vc = isPlainObject(payload.vc) ? payload.vc : undefined;
  if (!vc) problems.push('no vc claim');
  const types = Array.isArray(vc?.type) ? vc.type : [];
  if (vc && !types.includes('VerifiableCredential')) problems.push('vc.type lacks VerifiableCredential');
  if (vc && !isPlainObject(vc.credentialSubject) && !Array.isArray(vc.credentialSubject)) problems.push('vc.credentialSubject missing');
  if (typeof payload.iss !== 'string') problems.push('no iss');
  return {
    check: 'W3C VC claims',
    finding: problems.length ? fail(problems.join('; ')) : pass('iss, vc.type, vc.credentialSubject'),
    spec: 'VC Data Model 1.1 §6.3.1; OID4VCI 1.0 Appendix A.1.1',
  };
}
