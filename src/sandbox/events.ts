import type { CredentialFormat } from './profiles.js';

/** walt.id's three generations of event names (docs/providers.md, "Event types"). */
export type EventNames = 'current' | 'interim' | 'legacy';
export const EVENT_NAME_GENERATIONS: readonly EventNames[] = ['current', 'interim', 'legacy'];

/** What happened, independent of what a generation calls it. */
export type Happening =
  | 'offer-created'
  | 'offer-retrieved'
  | 'token-succeeded'
  | 'token-failed'
  | 'token-uncorrelated-failure'
  | 'nonce-succeeded'
  | 'credential-succeeded'
  | 'credential-failed'
  | 'status-changed'
  | `notification-${NotificationEvent}`;

/** The events a wallet sends to the Notification Endpoint (OID4VCI 1.0 §11.1). */
export const NOTIFICATION_EVENTS = ['credential_accepted', 'credential_failure', 'credential_deleted'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

const isNotification = (happening: Happening): happening is `notification-${NotificationEvent}` => happening.startsWith('notification-');

const LEGACY_ISSUE: Record<CredentialFormat, string> = { w3c_vc: 'jwt_issue', sd_jwt_vc: 'sdjwt_issue', mso_mdoc: 'generated_mdoc' };
const INTERIM_ISSUE: Record<CredentialFormat, string> = { w3c_vc: 'jwt_issued', sd_jwt_vc: 'sd_jwt_issued', mso_mdoc: 'mdoc_issued' };

/**
 * The event a generation sends for a happening, or undefined when that generation sends none
 * (v1.0.0-PRE: nothing on a token failure, only `issuance_status` on a credential failure).
 */
export function eventName(names: EventNames, happening: Happening, format: CredentialFormat): string | undefined {
  // walt.id has no Notification Endpoint, so no generation names its events: the sandbox's own name, in every generation.
  if (isNotification(happening)) return happening.replace('-', '_');
  if (names === 'legacy') {
    return {
      'offer-retrieved': 'resolved_credential_offer',
      'token-succeeded': 'requested_token',
      'credential-succeeded': LEGACY_ISSUE[format],
      'status-changed': 'issuance_status',
    }[happening as string];
  }
  if (names === 'interim') {
    return {
      'offer-retrieved': 'credential_offer_resolved',
      'token-succeeded': 'access_token_issued',
      'token-failed': 'tx_code_validation_failed',
      'credential-succeeded': INTERIM_ISSUE[format],
      'status-changed': 'issuance_status',
    }[happening as string];
  }
  return {
    'offer-created': 'credential_offer_created',
    'offer-retrieved': 'credential_offer_retrieved',
    'token-succeeded': 'token_request_pre_authorized_code_succeeded',
    'token-failed': 'token_request_pre_authorized_code_failed',
    'token-uncorrelated-failure': 'token_request_failed',
    'nonce-succeeded': 'nonce_request_succeeded',
    'credential-succeeded': `credential_request_${format}_succeeded`,
    'credential-failed': `credential_request_${format}_failed`,
    'status-changed': 'issuance_status_changed',
  }[happening];
}

/** Where an event goes: the session's stream and webhook, or the issuer-wide stream only. */
export function isIssuerLevel(happening: Happening): boolean {
  // Nonce requests and failures that cannot be tied to a session: /issuer2/events only, no webhook.
  return happening === 'nonce-succeeded' || happening === 'token-uncorrelated-failure';
}
