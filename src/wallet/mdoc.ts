import { IssuerSigned } from '@owf/mdoc';
import { mdocContext } from '../shared/mdoc-context.js';
import { isoTime } from '../shared/duration.js';
import type { JsonObject } from '../shared/json.js';
import { MAX_JSON_DEPTH } from '../shared/json-safety.js';
import type { DecodeContext, DecodedCredential } from './decoded.js';
import type { SignatureCheck } from './trust.js';
import type { JWK } from 'jose';
import { algorithmProblem, boundTo, certificateKey, joseAlgorithm } from './trust.js';

/** mso_mdoc (base64url IssuerSigned): doctype, namespaces and elements, and the issuer's COSE signature over the MSO. */
export async function decodeMdoc(raw: string, context: DecodeContext): Promise<{ decoded: DecodedCredential; signature: SignatureCheck }> {
  const issuerSigned = IssuerSigned.fromEncodedForOid4Vci(raw);
  const mso = issuerSigned.issuerAuth.mobileSecurityObject;
  const claims: JsonObject = {};
  for (const namespace of issuerSigned.issuerNamespaces.issuerNamespaces.keys()) claims[namespace] = toJson(issuerSigned.getPrettyClaims(namespace));
  const deviceKey = mso.deviceKeyInfo.deviceKey.jwk as JWK;
  const decoded: DecodedCredential = {
    types: [mso.docType],
    claims,
    holderBinding: deviceKey.x === undefined ? 'none' : boundTo(deviceKey, context.holderJwk),
    validFrom: isoTime(mso.validityInfo.validFrom.getTime()) ?? 'not a valid time',
    validUntil: isoTime(mso.validityInfo.validUntil.getTime()) ?? 'not a valid time',
  };
  const issuerAuth = issuerSigned.issuerAuth;
  // The algorithm is read from the protected header only: an unprotected one is anyone's to change.
  const problem = algorithmProblem(joseAlgorithm(issuerAuth.protectedHeaders.headers?.get(1)), context);
  if (problem) return { decoded, signature: { verified: false, reason: problem } };
  let chain: Uint8Array[];
  try {
    chain = issuerAuth.certificateChain;
  } catch {
    return { decoded, signature: { verified: false, reason: 'no x5chain certificate in issuerAuth' } };
  }
  const key = await certificateKey(chain, 'x5chain', context);
  if ('verified' in key) return { decoded, signature: key };
  try {
    // The signature over the MSO and every element's digest, with the certificate's key; the
    // chain itself was judged above (an anchor, or a key the issuer publishes).
    await issuerSigned.verify({ disableCertificateChainValidation: true }, mdocContext);
    return { decoded, signature: { verified: true, key: key.label } };
  } catch (error) {
    return { decoded, signature: { verified: false, key: key.label, reason: (error as Error).message.split('\n')[0] } };
  }
}

/** CBOR values (Maps, byte strings, dates) as JSON a terminal can show; nesting is bounded like any claims'. */
function toJson(value: unknown, depth = 1): unknown {
  if (depth > MAX_JSON_DEPTH) throw new Error(`the credential's claims nest deeper than ${MAX_JSON_DEPTH} levels`);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJson(v, depth + 1)]));
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (value instanceof Date) return isoTime(value.getTime()) ?? 'not a valid time';
  if (Array.isArray(value)) return value.map((v) => toJson(v, depth + 1));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v, depth + 1)]));
  return value;
}
