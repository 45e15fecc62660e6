import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Names a browser may use to reach a loopback server. Anything else in `Host` is a DNS-rebinding
 * attempt (evil.example resolving to 127.0.0.1) or a misdirected request: refused.
 */
export function isLoopbackHostHeader(host: string | undefined, boundHost: string): boolean {
  if (!host) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  if (hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '127.0.0.1' || hostname === '[::1]') return true;
  // A host chosen on purpose (--ui-host 192.168.1.20) is allowed under its own name; a wildcard is not a name.
  return boundHost !== '0.0.0.0' && boundHost !== '::' && (hostname === boundHost || hostname === `[${boundHost}]`);
}

export function tokenMatches(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Why an action request must be refused, or undefined when it may proceed: the per-run token,
 * a same-origin request (Origin and Sec-Fetch-Site, when the browser sends them), and a JSON
 * body (a cross-site form cannot send one without a CORS preflight, which is never answered).
 */
export function actionRefusal(req: IncomingMessage, token: string): string | undefined {
  if (!tokenMatches(req.headers['x-inspector-token'] as string | undefined, token)) return 'missing or wrong inspector token';
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) return `cross-origin request from ${origin}`;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `cross-site request (${site})`;
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) return 'actions take a JSON body';
  return undefined;
}

/** Sent with every response: no inline script, nothing from elsewhere, no framing, no referrer (the token is in the URL). */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};
