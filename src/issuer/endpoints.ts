import type { ExchangeTrace } from '../http/client.js';
import type { Dispatcher } from 'undici';
import { UsageError } from '../errors.js';
import { checkHttpUrl, isHttpUrl } from '../shared/url.js';

/** How to reach an issuer: open-source issuer2 (no target) or walt.id Enterprise (target + token). */
export interface IssuerConnection {
  baseUrl: string;
  /** `{org}.{tenant}.{issuerService}`; its presence selects the Enterprise API (docs/providers.md). */
  target?: string;
  token?: string;
  dispatcher?: Dispatcher;
  /** How long a refused connection is tried again before the issuer is given up on (one starting in CI). */
  waitForServerMs?: number;
  /** `-v`: sees each HTTP exchange with the issuer. */
  trace?: ExchangeTrace;
}

type Flavour = 'issuer2' | 'enterprise';

export function flavourOf(connection: IssuerConnection): Flavour {
  return connection.target ? 'enterprise' : 'issuer2';
}

function join(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

const seg = encodeURIComponent;

/** POST target for a new offer; Enterprise puts the profile in the path (docs/providers.md). */
export function offersUrl(connection: IssuerConnection, profileId: string): string {
  if (connection.target) {
    return join(connection.baseUrl, `/v2/${connection.target}.${seg(profileId)}/issuer-service-api/credentials/offers`);
  }
  return join(connection.baseUrl, '/issuer2/credential-offers');
}

/** The issuer's list of profiles: open source only (`GET /issuer2/profiles`); Enterprise has none to read. */
export function profilesUrl(connection: IssuerConnection): string | undefined {
  return connection.target ? undefined : join(connection.baseUrl, '/issuer2/profiles');
}

/** The OID4VCI credential issuer: `<base>/openid4vci`, or Enterprise's `<base>/v2/<target>/issuer-service-api/openid4vci`. */
export function oid4vciBase(connection: Pick<IssuerConnection, 'baseUrl' | 'target'>): string {
  return join(connection.baseUrl, connection.target ? `/v2/${connection.target}/issuer-service-api/openid4vci` : '/openid4vci');
}

/** SSE endpoint of one issuance session. */
export function sessionEventsUrl(connection: IssuerConnection, sessionId: string): string {
  if (connection.target) {
    return join(connection.baseUrl, `/v2/${connection.target}/issuer-service-api/issuance-session/${seg(sessionId)}/events`);
  }
  return join(connection.baseUrl, `/issuer2/sessions/${seg(sessionId)}/events`);
}

/** Bearer token for Enterprise; issuer2 has no authentication, but a token given anyway is sent. */
export function authHeaders(connection: IssuerConnection): Record<string, string> {
  return connection.token ? { authorization: `Bearer ${connection.token}` } : {};
}

export function assertUsable(connection: IssuerConnection): void {
  if (connection.target && !connection.token) {
    throw new UsageError('walt.id Enterprise (a target is set) needs a token', { kind: 'token-missing' });
  }
}

/** What `tail` follows for one argument: a session id on the configured issuer, or a stream URL. */
export function followTarget(
  connection: IssuerConnection,
  arg: string,
  options: { tokenForAnyUrl?: boolean } = {},
): { label: string; url: string; headers: Record<string, string>; sessionUrl?: string } {
  if (!isHttpUrl(arg)) {
    // Session truth needs the session resource: open source has GET /issuer2/sessions/{id}.
    const sessionUrl = connection.target ? undefined : join(connection.baseUrl, `/issuer2/sessions/${seg(arg)}`);
    return { label: arg, url: sessionEventsUrl(connection, arg), headers: authHeaders(connection), sessionUrl };
  }
  // `http://` or `http://a b/` would reach the SSE client and fail there without naming the URL.
  const check = checkHttpUrl(arg);
  if (!check.ok) throw new UsageError(`invalid stream URL "${arg}": expected an absolute http(s) URL (${check.why})`);
  // Credentials go to the configured issuer's origin only, unless the token came from the command line.
  const sameOrigin = originOf(arg) === originOf(connection.baseUrl);
  return { label: labelOfStreamUrl(arg), url: arg, headers: sameOrigin || options.tokenForAnyUrl ? authHeaders(connection) : {} };
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** A short name for a stream URL: the path segment before `/events`. */
function labelOfStreamUrl(arg: string): string {
  try {
    const parts = new URL(arg).pathname.split('/').filter(Boolean);
    const i = parts.lastIndexOf('events');
    return decodeURIComponent((i > 0 ? parts[i - 1] : parts.at(-1)) ?? arg);
  } catch {
    return arg;
  }
}
