import { nonEmptyString } from '../shared/http-headers.js';
import { fromBase64, fromHex, hmacSha256, safeEqual } from './crypto.js';
import { invalid, noMatch, valid, type Delivery, type HmacOptions, type SignatureScheme, type SignOptions, type Verdict, type VerifyContext } from './types.js';

export const DEFAULT_HMAC: HmacOptions = { header: 'x-signature', encoding: 'hex', prefix: '' };

function decode(text: string, encoding: HmacOptions['encoding']): Buffer | undefined {
  return encoding === 'hex' ? fromHex(text) : fromBase64(text, 32);
}

/** HMAC-SHA256 of the raw body in one header (name, encoding and prefix configurable), key = secret UTF-8. */
function makeHmacScheme(name: 'github' | 'hmac-sha256', fixed?: HmacOptions): SignatureScheme {
  const optionsOf = (context?: VerifyContext): HmacOptions => fixed ?? context?.hmac ?? DEFAULT_HMAC;
  return {
    name,
    headers: [optionsOf().header],
    // GitHub does not sign X-GitHub-Delivery; it is the only id GitHub gives, so it is used as is.
    signedId: (delivery) => (name === 'github' ? nonEmptyString(delivery.headers['x-github-delivery']) : null),
    signedAt: () => undefined,
    detect: (headers) => headers[optionsOf().header] !== undefined,
    verify(delivery: Delivery, context: VerifyContext): Verdict {
      const opts = optionsOf(context);
      const header = delivery.headers[opts.header];
      if (header === undefined) return invalid(name, 'missing_signature', `missing ${opts.header} header`);
      // Several values (repeated headers joined by Node) are each tried.
      const candidates = header
        .split(/[\s,]+/)
        .filter((part) => part !== '')
        .map((part) => (opts.prefix && part.startsWith(opts.prefix) ? part.slice(opts.prefix.length) : opts.prefix ? '' : part))
        .map((part) => decode(part, opts.encoding))
        .filter((sig): sig is Buffer => sig !== undefined);
      if (candidates.length === 0) return invalid(name, 'malformed_signature', `${opts.header} holds no ${opts.prefix}<${opts.encoding} HMAC-SHA256>`);
      for (const [i, secret] of context.secrets.entries()) {
        const expected = hmacSha256(secret, delivery.body);
        if (candidates.some((sig) => safeEqual(expected, sig))) return valid(name, i + 1);
      }
      return noMatch(name, context.secrets.length);
    },
    sign(body: Buffer, secret: string, _options: SignOptions): Record<string, string> {
      const opts = optionsOf();
      return { [opts.header]: `${opts.prefix}${hmacSha256(secret, body).toString(opts.encoding)}` };
    },
  };
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex>` of the raw body; no timestamp. */
export const githubScheme = makeHmacScheme('github', { header: 'x-hub-signature-256', encoding: 'hex', prefix: 'sha256=' });

export const hmacScheme = makeHmacScheme('hmac-sha256');
