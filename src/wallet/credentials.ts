import { createHash } from 'node:crypto';
import { decodeJwt, type JWK } from 'jose';
import { didOf } from '../shared/did.js';
import { isoTime } from '../shared/duration.js';
import { isPlainObject, type JsonObject } from '../shared/json.js';
import { deeperThan, MAX_JSON_DEPTH } from '../shared/json-safety.js';
import { boundTo, resolveDid, type SignatureCheck, verifyIssuerJwt } from './trust.js';

export type { SignatureCheck } from './trust.js';
import type { DecodeContext, DecodedCredential } from './decoded.js';

export type { DecodeContext, DecodedCredential } from './decoded.js';

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
  if (deeperThan(payload)) throw new Error(TOO_DEEP);
  const vc = isPlainObject(payload.vc) ? payload.vc : payload;
  const subjectObject = isPlainObject(vc.credentialSubject) ? vc.credentialSubject : {};
  const issuer = typeof payload.iss === 'string' ? payload.iss : isPlainObject(vc.issuer) ? String(vc.issuer.id) : typeof vc.issuer === 'string' ? vc.issuer : undefined;
  const subject = typeof payload.sub === 'string' ? payload.sub : typeof subjectObject.id === 'string' ? subjectObject.id : undefined;
  const decoded: DecodedCredential = {
    issuer,
    subject,
    types: Array.isArray(vc.type) ? vc.type.map(String) : typeof vc.type === 'string' ? [vc.type] : [],
    claims: subjectObject,
    holderBinding: bindingOf(payload, subject, context),
    validFrom: epochOrString(payload.nbf ?? payload.iat ?? vc.validFrom ?? vc.issuanceDate),
    validUntil: epochOrString(payload.exp ?? vc.validUntil ?? vc.expirationDate),
  };
  return verifyIssuerJwt(raw, issuer, context).then((signature) => ({ decoded, signature }));
}

// Claims are shown, serialised and unpacked (by libraries that recurse): nesting is bounded first.
const TOO_DEEP = `the credential's claims nest deeper than ${MAX_JSON_DEPTH} levels`;

/** The digest algorithms an SD-JWT may name in `_sd_alg` (IANA names), by node:crypto's names. */
const SD_HASHES: Record<string, string> = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };

async function decodeSdJwt(raw: string, context: DecodeContext): Promise<{ decoded: DecodedCredential; signature: SignatureCheck }> {
  const { decodeSdJwt: decode, getClaims } = await import('@sd-jwt/decode');
  // An unknown _sd_alg is refused before the library hashes anything with it.
  const algs = new Set(Object.keys(SD_HASHES));
  const hasher = async (data: string | ArrayBuffer, alg: string): Promise<Uint8Array> => {
    if (!algs.has(alg)) throw new Error(`_sd_alg ${alg.slice(0, 40)} is not supported (${[...algs].join(', ')})`);
    return createHash(SD_HASHES[alg]!)
      .update(typeof data === 'string' ? data : Buffer.from(data))
      .digest();
  };
  const sdJwt = await decode(raw, hasher);
  const payload = sdJwt.jwt.payload as JsonObject;
  const sdAlg = typeof payload._sd_alg === 'string' ? payload._sd_alg : 'sha-256';
  const disclosures = await Promise.all(sdJwt.disclosures.map(async (d) => ({ name: d.key, value: d.value, digest: await d.digest({ hasher, alg: sdAlg }) })));
  // The library shows only the disclosures the payload references and ignores the rest: every
  // one is checked against the signed payload first, so that none is shown as the issuer's unless it is.
  const check = checkDisclosures(payload, disclosures);
  const claims = (await getClaims(payload, sdJwt.disclosures, hasher)) as JsonObject;
  const issuerJwt = raw.split('~')[0]!;
  const issuer = typeof payload.iss === 'string' ? payload.iss : undefined;
  const { _sd: _ignored, _sd_alg: _alg, cnf: _cnf, iss: _iss, iat: _iat, exp: _exp, nbf: _nbf, vct: _vct, status: _status, ...visible } = claims;
  const decoded: DecodedCredential = {
    issuer,
    subject: typeof payload.sub === 'string' ? payload.sub : undefined,
    types: typeof payload.vct === 'string' ? [payload.vct] : [],
    claims: visible,
    disclosures: disclosures.map((d) => ({ ...d, signed: check.referenced.has(d.digest) })),
    holderBinding: bindingOf(payload, typeof payload.sub === 'string' ? payload.sub : undefined, context),
    validFrom: epochOrString(payload.nbf ?? payload.iat),
    validUntil: epochOrString(payload.exp),
  };
  const signature = await verifyIssuerJwt(issuerJwt, issuer, context);
  // A disclosure the issuer did not sign fails the credential whatever its key: never excusable.
  if (check.problem) return { decoded, signature: { verified: false, key: signature.key, reason: signature.verified ? check.problem : `${check.problem}; ${signature.reason}` } };
  return { decoded, signature };
}

type Disclosed = { name?: string; value: unknown; digest: string };

/**
 * Every disclosure's digest must appear once in the signed payload — in an `_sd` array (an
 * object property) or as `{"...": digest}` (an array element), at the top or inside another
 * disclosed value — and a disclosed property must not repeat one the payload already has
 * (SD-JWT, RFC 9901 §7.1). Walked without recursion: the payload's shape is the issuer's.
 */
function checkDisclosures(payload: JsonObject, disclosures: Disclosed[]): { problem?: string; referenced: Set<string> } {
  const referenced = new Set<string>();
  const byDigest = new Map<string, Disclosed>();
  for (const d of disclosures) {
    if (byDigest.has(d.digest)) return { problem: `disclosure ${describeDisclosure(d)} appears twice`, referenced };
    byDigest.set(d.digest, d);
  }
  const reference = (digest: unknown, asProperty: boolean, container: JsonObject | undefined): string | Disclosed | undefined => {
    if (typeof digest !== 'string') return 'a digest in the signed payload is not a string';
    if (referenced.has(digest)) return `digest ${digest.slice(0, 20)}… appears twice in the signed payload`;
    referenced.add(digest);
    const d = byDigest.get(digest);
    // A digest without a disclosure is a decoy or a claim not disclosed: fine.
    if (!d) return undefined;
    if (asProperty !== (typeof d.name === 'string')) return `disclosure ${describeDisclosure(d)} is referenced as ${asProperty ? 'a property' : 'an array element'}`;
    if (d.name === '_sd' || d.name === '...') return `disclosure names the reserved claim ${d.name}`;
    if (container && d.name !== undefined && Object.hasOwn(container, d.name)) return `disclosure ${d.name} repeats a claim the signed payload already has`;
    return d;
  };
  // Depth counts as the claims will nest once unpacked: a disclosed value sits where its digest is.
  const stack: [unknown, number][] = [[payload, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) throw new Error(TOO_DEEP);
    if (Array.isArray(node)) {
      for (const item of node) {
        const isReference = isPlainObject(item) && Object.keys(item).length === 1 && '...' in item;
        if (!isReference) {
          stack.push([item, depth + 1]);
          continue;
        }
        const found = reference(item['...'], false, undefined);
        if (typeof found === 'string') return { problem: found, referenced };
        if (found) stack.push([found.value, depth + 1]);
      }
    } else if (isPlainObject(node)) {
      if (node._sd !== undefined) {
        if (!Array.isArray(node._sd)) return { problem: '_sd in the signed payload is not an array', referenced };
        for (const digest of node._sd) {
          const found = reference(digest, true, node);
          if (typeof found === 'string') return { problem: found, referenced };
          if (found) stack.push([found.value, depth + 1]);
        }
      }
      for (const [key, value] of Object.entries(node)) if (key !== '_sd') stack.push([value, depth + 1]);
    }
  }
  // Unreferenced disclosures are never unpacked, but they are shown: bounded too.
  if (disclosures.some((d) => deeperThan(d.value, MAX_JSON_DEPTH - 1))) throw new Error(TOO_DEEP);
  const unsigned = disclosures.find((d) => !referenced.has(d.digest));
  if (unsigned) return { problem: `disclosure ${describeDisclosure(unsigned)} is not in the signed payload (no _sd holds its digest)`, referenced };
  return { referenced };
}

function describeDisclosure(d: Disclosed): string {
  const value = JSON.stringify(d.value) ?? 'undefined';
  return `${d.name ?? '(array element)'}: ${value.length > 60 ? `${value.slice(0, 59)}…` : value}`;
}

/**
 * The key a credential is bound to: `cnf.jwk`, else a did:jwk/did:key subject; compared by RFC 7638
 * thumbprint. When the proof named a DID (`holderDid`), the credential must be bound to that DID:
 * its subject (`sub` / `credentialSubject.id`) or `cnf.kid` is that DID, or — naming no DID —
 * its `cnf.jwk` is the key; a `cnf.jwk` of another key, or another DID, is another binding.
 */
function bindingOf(payload: JsonObject, subject: string | undefined, context: DecodeContext): DecodedCredential['holderBinding'] {
  const { holderJwk, holderDid } = context;
  const cnf = isPlainObject(payload.cnf) ? payload.cnf : undefined;
  const byJwk = cnf && isPlainObject(cnf.jwk) ? boundTo(cnf.jwk as JWK, holderJwk) : undefined;
  if (holderDid !== undefined) {
    if (byJwk === 'other-key') return 'other-key';
    const named = subject?.startsWith('did:') ? subject : typeof cnf?.kid === 'string' && cnf.kid.startsWith('did:') ? cnf.kid : undefined;
    if (named !== undefined) return didOf(named) === didOf(holderDid) ? 'holder-key' : 'other-key';
    return byJwk ?? 'none';
  }
  if (byJwk) return byJwk;
  if (!subject?.startsWith('did:')) return 'none';
  // A subject DID this wallet cannot read names some key, but not one the wallet can show is its own.
  const key = resolveDid(subject);
  return typeof key === 'object' ? boundTo(key, holderJwk) : 'other-key';
}

/** A NumericDate (seconds) as ISO 8601; one no Date can hold is shown as sent. */
function epochOrString(value: unknown): string | undefined {
  if (typeof value === 'number') return isoTime(value * 1000) ?? `${value} (not a valid time)`;
  return typeof value === 'string' ? value : undefined;
}
