import { isFormEncoded, nonEmptyString } from '../shared/http-headers.js';
import { isPlainObject } from '../shared/json.js';
import { checkTolerance, fromHex, hmacSha256, parseUnixSeconds, safeEqual } from './crypto.js';
import { invalid, noMatch, valid, type Delivery, type SignatureScheme, type SignOptions, type Verdict, type VerifyContext } from './types.js';

const HEADER = 'x-igrant-signature';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** `t` is ISO 8601 UTC today; deliveries before Nov 2023 used Unix seconds: both accepted. */
function parseIgrantTime(t: string): number | undefined {
  const unix = parseUnixSeconds(t);
  if (unix !== undefined) return unix;
  if (!ISO_UTC.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** The signed payload: the raw body, or for form posts the decoded `payload=` field. */
function igrantPayload(delivery: Delivery): Buffer | undefined {
  if (!isFormEncoded(delivery.headers['content-type'])) return delivery.body;
  const payload = new URLSearchParams(delivery.body.toString('utf8')).get('payload');
  return payload === null ? undefined : Buffer.from(payload, 'utf8');
}

function parseHeader(value: string): { t?: string; sigs: string[] } {
  const out: { t?: string; sigs: string[] } = { sigs: [] };
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const key = part.slice(0, eq).trim();
    const val = part.slice(eq + 1).trim();
    if (key === 't') out.t = val;
    else if (key === 'sig') out.sigs.push(val);
  }
  return out;
}

/** iGrant.io: `X-IGrant-Signature: t=<time>,sig=<hex>`, HMAC-SHA256 of `t + "." + payload`, key = secret UTF-8. */
export const igrantScheme: SignatureScheme = {
  name: 'igrant',
  headers: [HEADER],
  // deliveryID lives inside the signed payload.
  signedId(delivery) {
    const payload = igrantPayload(delivery);
    if (!payload) return null;
    try {
      const data: unknown = JSON.parse(payload.toString('utf8'));
      return isPlainObject(data) ? nonEmptyString(data.deliveryID) : null;
    } catch {
      return null;
    }
  },
  signedAt: (headers) => {
    const t = parseHeader(headers[HEADER] ?? '').t;
    return t === undefined ? undefined : parseIgrantTime(t);
  },
  detect: (headers) => headers[HEADER] !== undefined,
  verify(delivery: Delivery, context: VerifyContext): Verdict {
    const header = delivery.headers[HEADER];
    if (header === undefined) return invalid('igrant', 'missing_signature', `missing ${HEADER} header`);
    const { t, sigs } = parseHeader(header);
    if (t === undefined || t === '') return invalid('igrant', 'malformed_signature', `no t= in ${HEADER}`);
    const seconds = parseIgrantTime(t);
    if (seconds === undefined) return invalid('igrant', 'bad_timestamp', `t is neither ISO 8601 nor Unix seconds: "${t.slice(0, 40)}"`);
    const skew = checkTolerance('igrant', seconds, context.nowMs, context.toleranceSec);
    if (typeof skew !== 'number') return skew;
    const candidates = sigs.map((s) => fromHex(s)).filter((s): s is Buffer => s !== undefined);
    if (candidates.length === 0) return invalid('igrant', 'malformed_signature', `no sig= of 64 hex digits in ${HEADER}`, skew);
    const payload = igrantPayload(delivery);
    if (payload === undefined) return invalid('igrant', 'malformed_signature', 'form-encoded body has no payload= field', skew);
    for (const [i, secret] of context.secrets.entries()) {
      const expected = hmacSha256(secret, `${t}.`, payload);
      if (candidates.some((sig) => safeEqual(expected, sig))) return valid('igrant', i + 1, skew);
    }
    return noMatch('igrant', context.secrets.length, skew);
  },
  sign(body: Buffer, secret: string, options: SignOptions): Record<string, string> {
    const t = new Date((options.timestamp ?? Math.floor(Date.now() / 1000)) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { 'X-IGrant-Signature': `t=${t},sig=${hmacSha256(secret, `${t}.`, body).toString('hex')}` };
  },
};
