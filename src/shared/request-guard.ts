import type { IncomingMessage } from 'node:http';

/**
 * What keeps a web page from driving a local server: the Host a browser sends (DNS rebinding),
 * and the Origin, Sec-Fetch-Site and content type of a request it makes. Used by the inspector
 * (src/inspector/security.ts) and the sandbox's management API (src/sandbox/guard.ts).
 */

/**
 * Names a browser may use to reach a loopback server. Anything else in `Host` is a DNS-rebinding
 * attempt (evil.example resolving to 127.0.0.1) or a misdirected request: refused. `names` are
 * more names the server answers to on purpose (`--public-url`'s host).
 */
export function isLoopbackHostHeader(host: string | undefined, boundHost: string, names: readonly string[] = []): boolean {
  if (!host) return false;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return false;
  }
  if (hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '127.0.0.1' || hostname === '[::1]') return true;
  if (names.includes(hostname)) return true;
  // A host chosen on purpose (--ui-host 192.168.1.20) is allowed under its own name; a wildcard is not a name.
  return boundHost !== '0.0.0.0' && boundHost !== '::' && (hostname === boundHost || hostname === `[${boundHost}]`);
}

/**
 * Why a request comes from a page of another origin, or undefined: an `Origin` that is not this
 * server's, or a `Sec-Fetch-Site` other than same-origin or none (typed in the address bar).
 * Clients that are not browsers send neither.
 */
export function crossSiteRefusal(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) return `cross-origin request from ${origin}`;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `cross-site request (${site})`;
  return undefined;
}

/**
 * A JSON body: a cross-site form or a no-cors fetch cannot send one without a CORS preflight,
 * which these servers never answer.
 */
export function isJsonRequest(req: IncomingMessage): boolean {
  return /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}
