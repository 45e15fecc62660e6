import type { JsonObject } from '../shared/json.js';
import type { EventNames } from './events.js';
import type { IssuerKeys } from './issuer-keys.js';
import { NEVER_EXPIRES_AT, type Session } from './session-store.js';

/**
 * A session as walt.id serialises it: `GET /issuer2/sessions/{id}` and the `session` of every
 * event. Status and isClosed are always written out. The issuer key is redacted in events since
 * walt.id 1.0 (the legacy generation sends the full private JWK, as v1.0.0-PRE does); the
 * management API returns it in full in every version.
 */
export function sessionView(session: Session, keys: IssuerKeys, issuerKey: 'full' | 'redacted'): JsonObject {
  return {
    sessionId: session.id,
    profileId: session.profile.id,
    status: session.status,
    isClosed: session.isClosed,
    authenticationMethod: session.offer.authMethod,
    issuerStateMode: session.offer.issuerStateMode ?? null,
    credentialConfigurationIds: [session.profile.credentialConfigurationId],
    createdAt: new Date(session.createdAt).toISOString(),
    expiresAt: new Date(Number.isFinite(session.expiresAt) ? session.expiresAt : NEVER_EXPIRES_AT).toISOString(),
    credentialOffer: session.credentialOffer,
    credentialData: session.credentialData,
    txCode: session.offer.txCode ?? null,
    notifications: session.webhookUrl ? { webhook: { url: session.webhookUrl } } : null,
    issuerKey: issuerKey === 'full' ? { type: 'jwk', jwk: keys.privateJwk } : { type: 'redacted' },
  };
}

interface EventInput {
  target: string;
  event: string;
  session: JsonObject;
  requestId: string;
  error?: string;
  errorDescription?: string;
  /** The wallet's notification, on the sandbox's own notification events. */
  notification?: JsonObject;
}

/**
 * The envelope on both channels. The webhook body is encoded with defaults, so it carries
 * explicit nulls where the SSE copy omits them: the two channels' bytes differ (docs/providers.md).
 * v1.0.0-PRE (legacy) sends only target, event and session.
 */
export function envelopeTexts(input: EventInput, names: EventNames): { sse: string; webhook: string } {
  if (names === 'legacy') {
    const text = JSON.stringify({ target: input.target, event: input.event, session: input.session });
    return { sse: text, webhook: text };
  }
  const full = {
    target: input.target,
    event: input.event,
    session: input.session,
    requestId: input.requestId,
    error: input.error ?? null,
    error_description: input.errorDescription ?? null,
    ...(input.notification ? { notification: input.notification } : {}),
  };
  return { sse: JSON.stringify(withoutNulls(full)), webhook: JSON.stringify(full) };
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}
