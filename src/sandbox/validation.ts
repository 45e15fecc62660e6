import { MAX_EXPIRES_IN_SECONDS } from '../issuer/offers.js';
import { isPlainObject, type JsonObject } from '../shared/json.js';

/** walt.id's error body: `{"exception":true,"id","status","code","message"}` (docs/providers.md). */
export interface WaltError {
  status: number;
  body: { exception: true; id: string; status: string; code: string; message: string; details?: { unknownFields?: string[]; missingFields?: string[]; expectedType?: string } };
}

const REASONS: Record<number, [string, string]> = {
  400: ['BadRequestException', 'Bad Request'],
  401: ['UnauthorizedException', 'Unauthorized'],
  403: ['ForbiddenException', 'Forbidden'],
  404: ['NotFoundException', 'Not Found'],
  409: ['ConflictException', 'Conflict'],
  405: ['MethodNotAllowedException', 'Method Not Allowed'],
  413: ['PayloadTooLargeException', 'Payload Too Large'],
  415: ['UnsupportedMediaTypeException', 'Unsupported Media Type'],
  503: ['ServiceUnavailableException', 'Service Unavailable'],
};

export function waltError(status: number, message: string, details?: WaltError['body']['details']): WaltError {
  const [id, text] = REASONS[status] ?? ['IllegalStateException', 'Internal Server Error'];
  return { status, body: { exception: true, id, status: text, code: String(status), message, ...(details ? { details } : {}) } };
}

const EXPECTED_TYPE = 'id.walt.openid4vci.api.IssuanceRequest';

const OFFER_FIELDS = new Set(['profileId', 'authMethod', 'issuerStateMode', 'valueMode', 'expiresInSeconds', 'txCode', 'txCodeValue', 'sessionId', 'runtimeOverrides']);
// The twelve runtimeOverrides fields walt.id knows (docs/providers.md).
const OVERRIDE_FIELDS = new Set([
  'credentialData',
  'issuerDid',
  'issuerKey',
  'mapping',
  'selectiveDisclosure',
  'x5Chain',
  'credentialStatus',
  'expectedCredentialProofKeyJwk',
  'idTokenClaimsMapping',
  'mDocNameSpacesDataMappingConfig',
  'authorizedTransactionDataTypes',
  'notifications',
]);
const TX_CODE_FIELDS = new Set(['input_mode', 'length', 'description']);

export interface OfferInput {
  profileId: string;
  authMethod: 'PRE_AUTHORIZED' | 'AUTHORIZED';
  issuerStateMode?: 'INCLUDE' | 'OMIT';
  valueMode: 'BY_REFERENCE' | 'BY_VALUE';
  expiresInSeconds: number;
  txCode?: { input_mode?: string; length?: number; description?: string };
  txCodeValue?: string;
  sessionId?: string;
  runtimeOverrides?: JsonObject;
  webhookUrl?: string;
}

/** walt.id's 400 for unknown fields: every one listed in `details.unknownFields`. */
function unknownFields(object: JsonObject, allowed: Set<string>, prefix: string): WaltError | undefined {
  const unknown = Object.keys(object)
    .filter((k) => !allowed.has(k))
    .map((k) => `${prefix}${k}`);
  if (unknown.length === 0) return undefined;
  return waltError(400, `Request body contains unknown field(s): ${unknown.join(', ')}`, { unknownFields: unknown, expectedType: EXPECTED_TYPE });
}

const missing = (field: string): WaltError => waltError(400, `Request body is missing required field(s): ${field}`, { missingFields: [field], expectedType: EXPECTED_TYPE });

/**
 * Validates a POST /issuer2/credential-offers body as walt.id does: required fields, allowed
 * values, and unknown fields rejected with 400. `profileFromPath` is the Enterprise variant,
 * whose body must not carry `profileId`.
 */
export function validateOfferRequest(raw: unknown, profileFromPath?: string): OfferInput | WaltError {
  const bad = (message: string): WaltError => waltError(400, message);
  if (!isPlainObject(raw)) return bad('Request body must be a JSON object');
  const unknown = unknownFields(raw, profileFromPath === undefined ? OFFER_FIELDS : new Set([...OFFER_FIELDS].filter((f) => f !== 'profileId')), '');
  if (unknown) return unknown;
  const profileId = profileFromPath ?? raw.profileId;
  if (profileId === undefined) return missing('profileId');
  if (typeof profileId !== 'string' || profileId === '') return bad('profileId must be a non-empty string');
  if (raw.authMethod === undefined) return missing('authMethod');
  if (raw.authMethod !== 'PRE_AUTHORIZED' && raw.authMethod !== 'AUTHORIZED') return bad(`Invalid authMethod '${String(raw.authMethod)}': expected PRE_AUTHORIZED or AUTHORIZED`);
  const valueMode = raw.valueMode ?? 'BY_REFERENCE';
  if (valueMode !== 'BY_REFERENCE' && valueMode !== 'BY_VALUE') return bad(`Invalid valueMode '${String(valueMode)}': expected BY_REFERENCE or BY_VALUE`);
  if (raw.issuerStateMode !== undefined) {
    if (raw.issuerStateMode !== 'INCLUDE' && raw.issuerStateMode !== 'OMIT') return bad(`Invalid issuerStateMode '${String(raw.issuerStateMode)}'`);
    if (raw.authMethod !== 'AUTHORIZED') return bad('issuerStateMode is only allowed with AUTHORIZED');
    if (raw.issuerStateMode === 'OMIT' && raw.runtimeOverrides !== undefined) return bad('issuerStateMode OMIT cannot be combined with runtimeOverrides');
  }
  const expires = raw.expiresInSeconds ?? 300;
  // Bounded before anything is stored: a session whose expiry is no valid date broke every later GET /issuer2/sessions.
  if (typeof expires !== 'number' || !Number.isInteger(expires) || (expires <= 0 && expires !== -1) || expires > MAX_EXPIRES_IN_SECONDS)
    return bad(`expiresInSeconds must be a positive integer up to ${MAX_EXPIRES_IN_SECONDS} (100 years), or -1 for never`);
  if ((raw.txCode !== undefined || raw.txCodeValue !== undefined) && raw.authMethod !== 'PRE_AUTHORIZED') return bad('txCode is only allowed with PRE_AUTHORIZED');
  if (raw.txCode !== undefined) {
    if (!isPlainObject(raw.txCode)) return bad('txCode must be an object');
    const u = unknownFields(raw.txCode, TX_CODE_FIELDS, 'txCode.');
    if (u) return u;
    if (raw.txCode.length !== undefined && (typeof raw.txCode.length !== 'number' || !Number.isInteger(raw.txCode.length) || raw.txCode.length < 1))
      return bad('txCode.length must be a positive integer');
  }
  if (raw.txCodeValue !== undefined && typeof raw.txCodeValue !== 'string') return bad('txCodeValue must be a string');
  if (raw.txCodeValue !== undefined && raw.txCode === undefined) return bad('txCodeValue requires txCode');
  if (typeof raw.txCodeValue === 'string' && isPlainObject(raw.txCode)) {
    const numeric = raw.txCode.input_mode === undefined || raw.txCode.input_mode === 'numeric';
    if (numeric && !/^\d+$/.test(raw.txCodeValue)) return bad('txCodeValue must be digits for a numeric txCode');
    if (typeof raw.txCode.length === 'number' && raw.txCodeValue.length !== raw.txCode.length) return bad(`txCodeValue must have txCode.length (${raw.txCode.length}) characters`);
  }
  if (raw.sessionId !== undefined && (typeof raw.sessionId !== 'string' || raw.sessionId === '')) return bad('sessionId must be a non-empty string');
  let webhookUrl: string | undefined;
  if (raw.runtimeOverrides !== undefined) {
    const ro = raw.runtimeOverrides;
    if (!isPlainObject(ro)) return bad('runtimeOverrides must be an object');
    const u = unknownFields(ro, OVERRIDE_FIELDS, 'runtimeOverrides.');
    if (u) return u;
    if (ro.credentialData !== undefined && !isPlainObject(ro.credentialData)) return bad('runtimeOverrides.credentialData must be an object');
    if (ro.notifications !== undefined) {
      if (!isPlainObject(ro.notifications)) return bad('runtimeOverrides.notifications must be an object');
      const n = unknownFields(ro.notifications, new Set(['webhook']), 'runtimeOverrides.notifications.');
      if (n) return n;
      const webhook = ro.notifications.webhook;
      if (webhook !== undefined) {
        if (!isPlainObject(webhook)) return bad('runtimeOverrides.notifications.webhook must be an object');
        const w = unknownFields(webhook, new Set(['url']), 'runtimeOverrides.notifications.webhook.');
        if (w) return w;
        if (typeof webhook.url !== 'string' || !/^https?:\/\//.test(webhook.url)) return bad('runtimeOverrides.notifications.webhook.url must be an http(s) URL');
        webhookUrl = webhook.url;
      }
    }
  }
  return {
    profileId,
    authMethod: raw.authMethod,
    issuerStateMode: raw.issuerStateMode as OfferInput['issuerStateMode'],
    valueMode,
    expiresInSeconds: expires,
    txCode: raw.txCode as OfferInput['txCode'],
    txCodeValue: raw.txCodeValue as string | undefined,
    sessionId: raw.sessionId as string | undefined,
    runtimeOverrides: raw.runtimeOverrides as JsonObject | undefined,
    webhookUrl,
  };
}

export function isWaltError(value: OfferInput | WaltError): value is WaltError {
  return 'body' in value && 'status' in value && typeof (value as WaltError).status === 'number';
}
