import { checkTolerance, fromHex, hmacSha256, parseUnixSeconds, safeEqual } from './crypto.js';
import { invalid, noMatch, valid, type Delivery, type SignatureScheme, type SignOptions, type Verdict, type VerifyContext } from './types.js';

const HEADER = 'stripe-signature';

/** Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]` over `${t}.${body}`, key = the whole `whsec_…` string as UTF-8. */
export const stripeScheme: SignatureScheme = {
  name: 'stripe',
  headers: [HEADER],
  // Stripe signs no delivery id (the event id is in the body, unsigned by the header).
  signedId: () => null,
  signedAt: (headers) => parseUnixSeconds(/(?:^|,)\s*t=(\d+)/.exec(headers[HEADER] ?? '')?.[1]),
  detect: (headers) => headers[HEADER] !== undefined,
  verify(delivery: Delivery, context: VerifyContext): Verdict {
    const header = delivery.headers[HEADER];
    if (header === undefined) return invalid('stripe', 'missing_signature', `missing ${HEADER} header`);
    let t: string | undefined;
    const sigs: Buffer[] = [];
    for (const part of header.split(',')) {
      const [key, value = ''] = part.trim().split('=', 2) as [string, string?];
      if (key === 't') t = value;
      // Only v1 is checked; v0 and unknown schemes are skipped as Stripe's own libraries do.
      else if (key === 'v1') {
        const sig = fromHex(value);
        if (sig) sigs.push(sig);
      }
    }
    const seconds = parseUnixSeconds(t);
    if (seconds === undefined) return invalid('stripe', 'bad_timestamp', `t= in ${HEADER} is missing or not Unix seconds`);
    const skew = checkTolerance('stripe', seconds, context.nowMs, context.toleranceSec);
    if (typeof skew !== 'number') return skew;
    if (sigs.length === 0) return invalid('stripe', 'malformed_signature', `no v1= of 64 hex digits in ${HEADER}`, skew);
    for (const [i, secret] of context.secrets.entries()) {
      const expected = hmacSha256(secret, `${t}.`, delivery.body);
      if (sigs.some((sig) => safeEqual(expected, sig))) return valid('stripe', i + 1, skew);
    }
    return noMatch('stripe', context.secrets.length, skew);
  },
  sign(body: Buffer, secret: string, options: SignOptions): Record<string, string> {
    const t = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    return { 'Stripe-Signature': `t=${t},v1=${hmacSha256(secret, `${t}.`, body).toString('hex')}` };
  },
};
