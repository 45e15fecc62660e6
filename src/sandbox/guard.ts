import type { IncomingMessage } from 'node:http';
import { crossSiteRefusal, isJsonRequest, isLoopbackHostHeader } from '../shared/request-guard.js';
import { type WaltError, waltError } from './validation.js';

/** The routes a web page must not drive: walt.id's and Enterprise's management API, and the sandbox's own. */
const MANAGEMENT = /^\/(?:issuer2|v2|sandbox)\//;
/** Management routes whose body is an offer: JSON only, as walt.id (Ktor) takes it. */
const OFFER_ROUTES = /^\/(?:issuer2\/credential-offers|v2\/[^/]+\/issuer-service-api\/credentials\/offers)$/;

interface GuardSettings {
  /** The address the sandbox is bound to (`--host`): allowed in Host unless it is a wildcard. */
  host: string;
  /** URLs that name the sandbox on purpose (`--public-url`, the listening URL put in offers): their host names are allowed. */
  urls: readonly (string | undefined)[];
}

/**
 * Why a request must be refused before it is routed, or undefined. Every route: a Host that is
 * a loopback name or one of the sandbox's own (DNS rebinding would otherwise let a page on
 * evil.example read sessions and, walt.id ≤ 1.0 style, the issuer's private JWK). Management
 * routes: no cross-site request (Origin, Sec-Fetch-Site), and an offer only as JSON, so that a
 * form or a no-cors fetch from a page cannot create offers whose webhook the sandbox then calls.
 * The OID4VCI routes stay open to any origin: wallets call them.
 */
export function guardRefusal(req: IncomingMessage, path: string, settings: GuardSettings): WaltError | undefined {
  const names = settings.urls.flatMap((url) => (url && URL.canParse(url) ? [new URL(url).hostname] : []));
  if (!isLoopbackHostHeader(req.headers.host, settings.host, names)) {
    return waltError(403, `forbidden Host ${req.headers.host ?? '(none)'}: the sandbox answers loopback names and its own (--public-url, --host) only`);
  }
  if (!MANAGEMENT.test(path)) return undefined;
  const crossSite = crossSiteRefusal(req);
  if (crossSite) return waltError(403, `${crossSite}: the management API does not take requests from web pages`);
  const typed = req.headers['content-type'] !== undefined;
  if (req.method === 'POST' && (OFFER_ROUTES.test(path) || typed) && !isJsonRequest(req)) {
    return waltError(415, `management requests take a JSON body (content-type: application/json), not ${req.headers['content-type'] ?? 'none'}`);
  }
  return undefined;
}
