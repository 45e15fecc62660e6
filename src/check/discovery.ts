import { isPlainObject, type JsonObject } from '../shared/json.js';
import { type CheckHttp, HttpFailure, type HttpResult, jsonObject } from './http.js';

/** One metadata document as fetched: where, what came back, or why nothing usable did. */
interface Fetched {
  url: string;
  response?: HttpResult;
  document?: JsonObject;
  failure?: string;
  /** The URL that worked when the specified one did not (a legacy location). */
  fallbackUrl?: string;
}

/** What a wallet learns before it asks for a token: the credential issuer's and the authorization server's metadata. */
export interface Discovery {
  /** The Credential Issuer Identifier the metadata was retrieved for. */
  issuerId: string;
  issuer: Fetched;
  /** The authorization server's identifier (`authorization_servers[0]`, else the credential issuer). */
  authorizationServerId: string;
  authorizationServer?: Fetched;
  tokenEndpoint?: string;
}

/** `https://host/path` → `https://host/.well-known/<name>/path` (RFC 8414 §3.1, OID4VCI 1.0 §12.2.2). */
function wellKnown(identifier: string, name: string): string {
  const url = new URL(identifier);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
  return `${url.origin}/.well-known/${name}${path}`;
}

/** The pre-1.0 location some issuers still use: the well-known name appended to the identifier. */
function appendedWellKnown(identifier: string, name: string): string {
  return `${identifier.replace(/\/+$/, '')}/.well-known/${name}`;
}

async function fetchDocument(http: CheckHttp, urls: readonly string[]): Promise<Fetched> {
  const first = urls[0]!;
  let firstFetched: Fetched | undefined;
  for (const url of urls) {
    let response: HttpResult;
    try {
      response = await http.send('issuer-metadata', 'GET', url);
    } catch (error) {
      const failure = error instanceof HttpFailure ? error.message : String(error);
      firstFetched ??= { url: first, failure };
      continue;
    }
    const document = jsonObject(response);
    const fetched: Fetched =
      response.status === 200 && document
        ? { url, response, document }
        : { url, response, failure: response.status === 200 ? 'the body is not a JSON object' : `HTTP ${response.status}` };
    if (url === first) firstFetched = fetched;
    if (fetched.document) return url === first ? fetched : { ...firstFetched!, document, fallbackUrl: url };
  }
  return firstFetched!;
}

/** Fetches the credential issuer's metadata and its authorization server's (OID4VCI 1.0 §12.2, §12.3). */
export async function discover(http: CheckHttp, issuerId: string): Promise<Discovery> {
  const issuer = await fetchDocument(http, [wellKnown(issuerId, 'openid-credential-issuer'), appendedWellKnown(issuerId, 'openid-credential-issuer')]);
  const servers = issuer.document?.authorization_servers;
  const authorizationServerId = Array.isArray(servers) && typeof servers[0] === 'string' ? servers[0] : issuerId;
  if (!issuer.document) return { issuerId, issuer, authorizationServerId };
  const authorizationServer = await fetchDocument(http, [
    wellKnown(authorizationServerId, 'oauth-authorization-server'),
    appendedWellKnown(authorizationServerId, 'openid-configuration'),
    appendedWellKnown(authorizationServerId, 'oauth-authorization-server'),
  ]);
  const tokenEndpoint = typeof authorizationServer.document?.token_endpoint === 'string' ? authorizationServer.document.token_endpoint : undefined;
  return { issuerId, issuer, authorizationServerId, authorizationServer, tokenEndpoint };
}

/** A configuration of the issuer's metadata, by id. */
export function configurationOf(discovery: Discovery, id: string): JsonObject | undefined {
  const all = discovery.issuer.document?.credential_configurations_supported;
  return isPlainObject(all) && isPlainObject(all[id]) ? all[id] : undefined;
}
