import { X509Certificate } from 'node:crypto';
import { IssuerSigned } from '@owf/mdoc';
import { mdocContext } from '../shared/mdoc-context.js';
import type { JsonObject } from '../shared/json.js';
import type { DecodeContext, DecodedCredential, SignatureCheck } from './credentials.js';

/** mso_mdoc (base64url IssuerSigned): doctype, namespaces and elements, and the issuer's COSE signature over the MSO. */
export async function decodeMdoc(raw: string, context: DecodeContext): Promise<{ decoded: DecodedCredential; signature: SignatureCheck }> {
  const issuerSigned = IssuerSigned.fromEncodedForOid4Vci(raw);
  const mso = issuerSigned.issuerAuth.mobileSecurityObject;
  const claims: JsonObject = {};
  for (const namespace of issuerSigned.issuerNamespaces.issuerNamespaces.keys()) claims[namespace] = toJson(issuerSigned.getPrettyClaims(namespace));
  const deviceKey = mso.deviceKeyInfo.deviceKey.jwk as { x?: string; y?: string };
  const decoded: DecodedCredential = {
    types: [mso.docType],
    claims,
    holderBinding: deviceKey.x === undefined ? 'none' : deviceKey.x === context.holderJwk.x && deviceKey.y === context.holderJwk.y ? 'holder-key' : 'other-key',
    validFrom: mso.validityInfo.validFrom.toISOString(),
    validUntil: mso.validityInfo.validUntil.toISOString(),
  };
  const certificate = issuerSigned.issuerAuth.certificate;
  const subject = certificate ? new X509Certificate(Buffer.from(certificate)).subject.replaceAll('\n', ', ') : undefined;
  if (!certificate) return { decoded, signature: { verified: false, reason: 'no x5chain certificate in issuerAuth' } };
  try {
    // The signature and every element's digest are checked against the x5chain certificate;
    // whether that certificate is trusted is a separate question a test wallet does not answer.
    await issuerSigned.verify({ disableCertificateChainValidation: true }, mdocContext);
    return { decoded, signature: { verified: true, key: `x5chain ${subject} (chain not checked against a trust list)` } };
  } catch (error) {
    return { decoded, signature: { verified: false, key: `x5chain ${subject}`, reason: (error as Error).message.split('\n')[0] } };
  }
}

/** CBOR values (Maps, byte strings, dates) as JSON a terminal can show. */
function toJson(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJson(v)]));
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  return value;
}
