import { isFormEncoded, nonEmptyString } from '../shared/http-headers.js';
import type { Provider } from '../capture/record.js';
import { buildEvent, parsePayload } from '../issuer/catalog.js';
import { catalogEntry } from '../issuer/event-types.js';
import { judgeSessionStatus } from '../issuer/status.js';
import { isPlainObject, type JsonObject } from '../shared/json.js';
import type { Delivery, Verdict } from './types.js';

/** What a webhook payload says, in the capture record's terms. */
export interface NormalizedPayload {
  provider: Provider;
  type: string | null;
  sessionId: string | null;
  status: string | null;
  terminal: boolean;
  /** The parsed payload (JSON), the text, or null for an empty body. */
  data: unknown;
  /** iGrant pings: empty body, no signature; answered 2xx and recorded, not an event. */
  ping: boolean;
}

const str = nonEmptyString;

/** The terminal status a provider's event type implies (walt.id's payloads carry their own). */
function typeStatus(type: string): string | null {
  const entry = catalogEntry(type);
  return entry && entry.provider !== 'waltid' && entry.status !== 'ACTIVE' ? entry.status : null;
}

function withStatus(base: Omit<NormalizedPayload, 'status' | 'terminal'>, status: string | null): NormalizedPayload {
  const out = base as NormalizedPayload;
  out.status = status;
  out.terminal = status ? judgeSessionStatus(status, undefined).terminal : false;
  return out;
}

/** The JSON a delivery carries: the body, or iGrant's form-encoded `payload=` field. */
function payloadText(delivery: Delivery, bodyText = delivery.body.toString('utf8')): string {
  if (isFormEncoded(delivery.headers['content-type'])) return new URLSearchParams(bodyText).get('payload') ?? bodyText;
  return bodyText;
}

/** Recognises walt.id envelopes, iGrant, didx:me, Crossmint and generic Standard Webhooks payloads. */
export function normalizePayload(delivery: Delivery, scheme: Verdict['scheme'], bodyText?: string): NormalizedPayload {
  if (delivery.body.length === 0) {
    return { provider: scheme === 'igrant' ? 'igrant' : 'unknown', type: null, sessionId: null, status: null, terminal: false, data: null, ping: true };
  }
  const data = parsePayload(payloadText(delivery, bodyText));
  // GitHub names the event in a header (`X-GitHub-Event: push`), not in the payload.
  const headerType = nonEmptyString(delivery.headers['x-github-event']);
  if (!isPlainObject(data)) {
    return { provider: 'unknown', type: headerType, sessionId: null, status: null, terminal: false, data, ping: false };
  }
  const normalized = classify(data, scheme);
  if (headerType && normalized.type === null) normalized.type = headerType;
  return normalized;
}

function classify(data: JsonObject, scheme: Verdict['scheme']): NormalizedPayload {
  // walt.id issuer2: {"target","event","session",...}
  if (typeof data.event === 'string' && ('target' in data || 'session' in data)) {
    const event = buildEvent(data.event, data, data, undefined);
    return { provider: 'waltid', type: event.type, sessionId: event.sessionId ?? null, status: event.status ?? null, terminal: event.terminal, data, ping: false };
  }
  const inner = isPlainObject(data.data) ? data.data : isPlainObject(data.payload) ? data.payload : {};
  // iGrant: {"deliveryID","webhookID","timestamp","type":"openid.…","data":{…}}
  if (typeof data.deliveryID === 'string' || (typeof data.type === 'string' && data.type.startsWith('openid.'))) {
    const type = str(data.type);
    return withStatus(
      { provider: 'igrant', type, sessionId: str(inner.credentialExchangeId) ?? str(inner.presentationExchangeId) ?? str(inner.exchangeId), data, ping: false },
      type ? typeStatus(type) : null,
    );
  }
  // didx:me: {"eventType":"openid4vc.issuance.completed","payload":{"openId4VcIssuanceId":"…"}}
  if (typeof data.eventType === 'string' && data.eventType.startsWith('openid4vc.')) {
    return withStatus({ provider: 'didx', type: data.eventType, sessionId: str(inner.openId4VcIssuanceId), data, ping: false }, typeStatus(data.eventType));
  }
  // Crossmint: {"type":"credential.creation.succeeded","data":{…}}
  if (typeof data.type === 'string' && data.type.startsWith('credential.')) {
    return withStatus(
      { provider: 'crossmint', type: data.type, sessionId: str(inner.credentialId) ?? str(inner.id) ?? str(inner.actionId), data, ping: false },
      typeStatus(data.type),
    );
  }
  const type = str(data.type) ?? str(data.eventType) ?? str(data.event);
  const status = str(data.status) ?? (isPlainObject(data.session) ? str(data.session.status) : null);
  const provider: Provider = scheme === 'standard' || scheme === 'svix' ? 'standard' : 'unknown';
  return withStatus({ provider, type, sessionId: str(data.sessionId) ?? str(inner.sessionId) ?? str(data.id), data, ping: false }, status);
}
