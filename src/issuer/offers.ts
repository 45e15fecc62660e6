import { HttpError, UsageError } from '../errors.js';
import { errorDetail, httpRequest } from '../http/client.js';
import { deepMerge, isPlainObject, type JsonObject } from '../shared/json.js';
import { closestMatch } from '../shared/closest.js';
import { assertUsable, authHeaders, flavourOf, offersUrl, profilesUrl, type IssuerConnection } from './endpoints.js';

export type AuthMethod = 'PRE_AUTHORIZED' | 'AUTHORIZED';
export type ValueMode = 'BY_REFERENCE' | 'BY_VALUE';
type IssuerStateMode = 'INCLUDE' | 'OMIT';

/**
 * The longest expiry an offer is given: 100 years, in seconds (`offer create --expires-in`, and
 * what the sandbox accepts). Longer, a date no longer fits where issuers keep it.
 */
export const MAX_EXPIRES_IN_SECONDS = 100 * 365 * 86_400;

export interface OfferRequest {
  profileId: string;
  authMethod?: AuthMethod;
  issuerStateMode?: IssuerStateMode;
  valueMode?: ValueMode;
  /** Seconds; -1 means never. */
  expiresInSeconds?: number;
  /** `true` asks for a 6-digit numeric code; a string is the code itself. */
  txCode?: boolean | string;
  sessionId?: string;
  webhookUrl?: string;
  /** Deep-merged into `runtimeOverrides`. */
  overrides?: JsonObject;
  /** Deep-merged into `runtimeOverrides.credentialData`. */
  credentialData?: JsonObject;
}

/** The issuer's 201 answer (docs/providers.md); unknown fields are kept. */
export interface OfferResponse {
  offerId: string;
  profileId?: string;
  authMethod?: string;
  /** Epoch milliseconds. */
  expiresAt?: number;
  txCodeValue?: string;
  credentialOffer: string;
  [key: string]: unknown;
}

export const AUTH_METHODS = ['PRE_AUTHORIZED', 'AUTHORIZED'] as const;
export const VALUE_MODES = ['BY_REFERENCE', 'BY_VALUE'] as const;
export const ISSUER_STATE_MODES = ['INCLUDE', 'OMIT'] as const satisfies readonly IssuerStateMode[];

/**
 * Builds the JSON body. walt.id rejects unknown fields with 400, so only fields it knows are
 * sent, and only when set.
 */
function buildOfferBody(request: OfferRequest, connection: Pick<IssuerConnection, 'target'>): JsonObject {
  const authMethod = request.authMethod ?? 'PRE_AUTHORIZED';
  if (!AUTH_METHODS.includes(authMethod)) throw new UsageError(`invalid authMethod "${authMethod}": use PRE_AUTHORIZED or AUTHORIZED`);
  if (request.valueMode !== undefined && !VALUE_MODES.includes(request.valueMode)) {
    throw new UsageError(`invalid valueMode "${request.valueMode}": use BY_REFERENCE or BY_VALUE`);
  }
  if (request.issuerStateMode !== undefined && !ISSUER_STATE_MODES.includes(request.issuerStateMode)) {
    throw new UsageError(`invalid issuerStateMode "${request.issuerStateMode}": use INCLUDE or OMIT`);
  }
  if (request.txCode && authMethod !== 'PRE_AUTHORIZED') throw new UsageError('a txCode needs authMethod PRE_AUTHORIZED');
  if (request.issuerStateMode && authMethod !== 'AUTHORIZED') throw new UsageError('issuerStateMode needs authMethod AUTHORIZED');
  if (request.expiresInSeconds !== undefined && !(Number.isInteger(request.expiresInSeconds) && (request.expiresInSeconds > 0 || request.expiresInSeconds === -1))) {
    throw new UsageError(`invalid expiry ${request.expiresInSeconds}: a positive number of seconds, or never`);
  }

  // Enterprise: "the profile is the last part of the path and the body has no profileId".
  const body: JsonObject = flavourOf(connection as IssuerConnection) === 'enterprise' ? { authMethod } : { profileId: request.profileId, authMethod };
  if (request.issuerStateMode) body.issuerStateMode = request.issuerStateMode;
  if (request.valueMode) body.valueMode = request.valueMode;
  if (request.expiresInSeconds !== undefined) body.expiresInSeconds = request.expiresInSeconds;
  if (request.sessionId !== undefined) body.sessionId = request.sessionId;
  if (request.txCode) {
    const value = typeof request.txCode === 'string' ? request.txCode : undefined;
    const numeric = value === undefined || /^\d+$/.test(value);
    body.txCode = { input_mode: numeric ? 'numeric' : 'text', length: value?.length ?? 6 };
    if (value !== undefined) body.txCodeValue = value;
  }
  const overrides = buildRuntimeOverrides(request);
  if (overrides) body.runtimeOverrides = overrides;
  return body;
}

function buildRuntimeOverrides(request: OfferRequest): JsonObject | undefined {
  let overrides: JsonObject = request.overrides ? { ...request.overrides } : {};
  if (request.credentialData) {
    const current = isPlainObject(overrides.credentialData) ? overrides.credentialData : {};
    overrides.credentialData = deepMerge(current, request.credentialData);
  }
  if (request.webhookUrl !== undefined) {
    // `url` is the only webhook field walt.id knows (docs/providers.md).
    overrides = deepMerge(overrides, { notifications: { webhook: { url: request.webhookUrl } } });
  }
  return Object.keys(overrides).length ? overrides : undefined;
}

/** The request `createOffer` sends (also what `offer create --dry-run` prints). */
export function offerHttpRequest(connection: IssuerConnection, request: OfferRequest): { url: string; headers: Record<string, string>; body: JsonObject } {
  assertUsable(connection);
  if (!request.profileId) throw new UsageError('missing profileId');
  return {
    url: offersUrl(connection, request.profileId),
    headers: { 'content-type': 'application/json', accept: 'application/json', ...authHeaders(connection) },
    body: buildOfferBody(request, connection),
  };
}

/** Creates a credential offer; throws HttpError with the issuer's message on any non-2xx. */
export async function createOffer(connection: IssuerConnection, request: OfferRequest): Promise<OfferResponse> {
  const { url, headers, body } = offerHttpRequest(connection, request);
  const response = await httpRequest(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    dispatcher: connection.dispatcher,
    trace: connection.trace,
    waitForServerMs: connection.waitForServerMs,
  });
  if (response.status === 404) throw issuerError(404, response.text, url, await unknownProfileHint(connection, request.profileId));
  if (response.status < 200 || response.status > 299) throw issuerError(response.status, response.text, url);
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.text);
  } catch {
    throw new HttpError(`issuer answered ${response.status} with a body that is not JSON: ${errorDetail(response.text)}`, 502, response.text);
  }
  if (!isPlainObject(parsed) || typeof parsed.offerId !== 'string' || typeof parsed.credentialOffer !== 'string') {
    throw new HttpError(`issuer answered ${response.status} without offerId/credentialOffer: ${errorDetail(response.text)}`, 502, response.text);
  }
  return parsed as OfferResponse;
}

/** An HttpError whose message carries the issuer's own `message` (walt.id error body), escaped, and a hint of ours. */
function issuerError(status: number, text: string, url: string, hint?: string): HttpError {
  const detail = errorDetail(text);
  const label = status === 401 || status === 403 ? 'authentication refused' : status === 404 ? 'not found' : 'request failed';
  return new HttpError(`${label}: ${status} from ${url}${detail ? `: ${detail}` : ''}${hint ? ` — ${hint}` : ''}`, status, text);
}

const MAX_LISTED_PROFILES = 20;

/**
 * After a 404 for an offer, what the issuer's list of profiles says: the closest id to a
 * mistyped one, else the ids. Undefined when the profile is listed (the 404 was about something
 * else) or the list cannot be had (Enterprise has no such list; any failure keeps the 404 as it is).
 */
async function unknownProfileHint(connection: IssuerConnection, profileId: string): Promise<string | undefined> {
  const url = profilesUrl(connection);
  if (!url) return undefined;
  let ids: string[];
  try {
    const response = await httpRequest(url, { headers: { accept: 'application/json', ...authHeaders(connection) }, dispatcher: connection.dispatcher, trace: connection.trace });
    const list: unknown = response.status === 200 ? JSON.parse(response.text) : undefined;
    if (!Array.isArray(list)) return undefined;
    ids = list.flatMap((p: unknown) => (typeof p === 'string' ? [p] : isPlainObject(p) && typeof p.profileId === 'string' ? [p.profileId] : []));
  } catch {
    return undefined;
  }
  if (ids.length === 0 || ids.includes(profileId)) return undefined;
  const close = closestMatch(profileId, ids);
  if (close) return `did you mean ${close}?`;
  return `the issuer's profiles: ${ids.slice(0, MAX_LISTED_PROFILES).join(', ')}${ids.length > MAX_LISTED_PROFILES ? ', …' : ''}`;
}
