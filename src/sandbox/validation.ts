import { isPlainObject, type JsonObject } from '../shared/json.js';

/** walt.id's error body: `{"exception":true,"id","status","code","message"}` (docs/providers.md). */
export interface WaltError {
  status: number;
  body: { exception: true; id: string; status: string; code: string; message: string };
}

const REASONS: Record<number, [string, string]> = {
  400: ['BadRequestException', 'Bad Request'],
  401: ['UnauthorizedException', 'Unauthorized'],
  404: ['NotFoundException', 'Not Found'],
  409: ['ConflictException', 'Conflict'],
  413: ['PayloadTooLargeException', 'Payload Too Large'],
};

export function waltError(status: number, message: string): WaltError {
  const [id, text] = REASONS[status] ?? ['IllegalStateException', 'Internal Server Error'];
  return { status, body: { exception: true, id, status: text, code: String(status), message } };
}

const OFFER_FIELDS = new Set(['profileId', 'authMethod', 'issuerStateMode', 'valueMode', 'expiresInSeconds', 'txCode', 'txCodeValue', 'sessionId', 'runtimeOverrides']);
const OVERRIDE_FIELDS = new Set(['credentialData', 'issuerDid', 'issuerKey', 'mapping', 'selectiveDisclosure', 'x5Chain', 'credentialStatus', 'notifications']);
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

function unknownField(object: JsonObject, allowed: Set<string>, prefix: string): string | undefined {
  const key = Object.keys(object).find((k) => !allowed.has(k));
  return key === undefined ? undefined : `Unknown field '${prefix}${key}'`;
}

/**
 * Validates a POST /issuer2/credential-offers body as walt.id does: required fields, allowed
 * values, and unknown fields rejected with 400. `profileFromPath` is the Enterprise variant,
 * whose body must not carry `profileId`.
 */
export function validateOfferRequest(raw: unknown, profileFromPath?: string): OfferInput | WaltError {
  const bad = (message: string): WaltError => waltError(400, message);
  if (!isPlainObject(raw)) return bad('Request body must be a JSON object');
  const unknown = unknownField(raw, OFFER_FIELDS, '');
  if (unknown) return bad(unknown);
  if (profileFromPath !== undefined && raw.profileId !== undefined) return bad("Unknown field 'profileId'");
  const profileId = profileFromPath ?? raw.profileId;
  if (typeof profileId !== 'string' || profileId === '') return bad("Field 'profileId' is required");
  if (raw.authMethod === undefined) return bad("Field 'authMethod' is required");
  if (raw.authMethod !== 'PRE_AUTHORIZED' && raw.authMethod !== 'AUTHORIZED') return bad(`Invalid authMethod '${String(raw.authMethod)}': expected PRE_AUTHORIZED or AUTHORIZED`);
  const valueMode = raw.valueMode ?? 'BY_REFERENCE';
  if (valueMode !== 'BY_REFERENCE' && valueMode !== 'BY_VALUE') return bad(`Invalid valueMode '${String(valueMode)}': expected BY_REFERENCE or BY_VALUE`);
  if (raw.issuerStateMode !== undefined) {
    if (raw.issuerStateMode !== 'INCLUDE' && raw.issuerStateMode !== 'OMIT') return bad(`Invalid issuerStateMode '${String(raw.issuerStateMode)}'`);
    if (raw.authMethod !== 'AUTHORIZED') return bad('issuerStateMode is only allowed with AUTHORIZED');
  }
  const expires = raw.expiresInSeconds ?? 300;
  if (typeof expires !== 'number' || !Number.isInteger(expires) || (expires <= 0 && expires !== -1)) return bad('expiresInSeconds must be a positive integer, or -1 for never');
  if ((raw.txCode !== undefined || raw.txCodeValue !== undefined) && raw.authMethod !== 'PRE_AUTHORIZED') return bad('txCode is only allowed with PRE_AUTHORIZED');
  if (raw.txCode !== undefined) {
    if (!isPlainObject(raw.txCode)) return bad('txCode must be an object');
    const u = unknownField(raw.txCode, TX_CODE_FIELDS, 'txCode.');
    if (u) return bad(u);
    if (raw.txCode.length !== undefined && (typeof raw.txCode.length !== 'number' || !Number.isInteger(raw.txCode.length) || raw.txCode.length < 1))
      return bad('txCode.length must be a positive integer');
  }
  if (raw.txCodeValue !== undefined && typeof raw.txCodeValue !== 'string') return bad('txCodeValue must be a string');
  if (raw.sessionId !== undefined && (typeof raw.sessionId !== 'string' || raw.sessionId === '')) return bad('sessionId must be a non-empty string');
  let webhookUrl: string | undefined;
  if (raw.runtimeOverrides !== undefined) {
    const ro = raw.runtimeOverrides;
    if (!isPlainObject(ro)) return bad('runtimeOverrides must be an object');
    const u = unknownField(ro, OVERRIDE_FIELDS, 'runtimeOverrides.');
    if (u) return bad(u);
    if (ro.notifications !== undefined) {
      if (!isPlainObject(ro.notifications)) return bad('runtimeOverrides.notifications must be an object');
      const n = unknownField(ro.notifications, new Set(['webhook']), 'runtimeOverrides.notifications.');
      if (n) return bad(n);
      const webhook = ro.notifications.webhook;
      if (webhook !== undefined) {
        if (!isPlainObject(webhook)) return bad('runtimeOverrides.notifications.webhook must be an object');
        const w = unknownField(webhook, new Set(['url']), 'runtimeOverrides.notifications.webhook.');
        if (w) return bad(w);
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
