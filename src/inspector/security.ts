import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { crossSiteRefusal, isJsonRequest } from '../shared/request-guard.js';

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
  const crossSite = crossSiteRefusal(req);
  if (crossSite) return crossSite;
  if (!isJsonRequest(req)) return 'actions take a JSON body';
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
