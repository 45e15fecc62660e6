import { closestMatch } from '../shared/closest.js';
/** The providers whose event types the catalog knows. */
export type CatalogProvider = 'waltid' | 'igrant' | 'didx' | 'crossmint';

/** One event type a provider sends (docs/providers.md), with what it means. */
export interface EventTypeEntry {
  provider: CatalogProvider;
  /** The heading it is listed under: a provider, and for walt.id its generation of names. */
  group: string;
  /** walt.id only: which generation of names (the sandbox's --event-names). */
  generation?: 'current' | 'interim' | 'legacy';
  type: string;
  description: string;
  /** The session status an event of this type carries or implies; terminal unless ACTIVE. */
  status: string;
}

type Row = readonly [type: string, description: string, status?: string];

function group(provider: CatalogProvider, label: string, generation: EventTypeEntry['generation'], rows: readonly Row[]): EventTypeEntry[] {
  return rows.map(([type, description, status]) => ({ provider, group: label, generation, type, description, status: status ?? 'ACTIVE' }));
}

/**
 * The event catalog as data: every event type the providers send (docs/providers.md), what it
 * means and the status it carries. Used by `tail`/`listen` descriptions, `trigger`'s templates,
 * the check of `--until` and `--events` (a typo waits out the timeout otherwise) and docs/events.md.
 */
export const EVENT_CATALOG: readonly EventTypeEntry[] = [
  ...group('waltid', 'walt.id (current)', 'current', [
    ['credential_offer_created', 'offer created (webhook and /issuer2/events, before the 201)'],
    ['credential_offer_retrieved', 'wallet retrieved the offer'],
    ['token_request_pre_authorized_code_succeeded', 'token issued (pre-authorized code)'],
    ['token_request_pre_authorized_code_failed', 'token refused (pre-authorized code, e.g. wrong tx_code); the session stays ACTIVE'],
    ['token_request_authorization_code_succeeded', 'token issued (authorization code)'],
    ['token_request_authorization_code_failed', 'token refused (authorization code)'],
    ['token_request_refresh_token_succeeded', 'token refreshed'],
    ['token_request_refresh_token_failed', 'token refresh refused'],
    ['token_request_failed', 'token request failed before it could be tied to a flow'],
    ['credential_request_sd_jwt_vc_succeeded', 'SD-JWT VC issued', 'SUCCESSFUL'],
    ['credential_request_sd_jwt_vc_failed', 'SD-JWT VC refused', 'UNSUCCESSFUL'],
    ['credential_request_w3c_vc_succeeded', 'W3C VC issued', 'SUCCESSFUL'],
    ['credential_request_w3c_vc_failed', 'W3C VC refused', 'UNSUCCESSFUL'],
    ['credential_request_mso_mdoc_succeeded', 'mdoc issued', 'SUCCESSFUL'],
    ['credential_request_mso_mdoc_failed', 'mdoc refused', 'UNSUCCESSFUL'],
    ['credential_request_failed', 'credential request failed', 'UNSUCCESSFUL'],
    ['issuance_status_changed', 'status changed', 'SUCCESSFUL'],
    ['pushed_authorization_request_succeeded', 'pushed authorization request accepted'],
    ['pushed_authorization_request_failed', 'pushed authorization request refused'],
    ['authorization_request_succeeded', 'authorization request accepted'],
    ['authorization_request_failed', 'authorization request refused'],
    ['nonce_request_succeeded', 'nonce issued (issuer-wide stream only)'],
    ['nonce_request_failed', 'nonce request failed (issuer-wide stream only)'],
  ]),
  ...group('waltid', 'walt.id (Aug 2026)', 'interim', [
    ['credential_offer_resolved', 'wallet resolved the offer'],
    ['access_token_issued', 'token issued'],
    ['tx_code_validation_failed', 'wrong transaction code; the session stays ACTIVE'],
    ['sd_jwt_issued', 'SD-JWT credential issued', 'SUCCESSFUL'],
    ['jwt_issued', 'JWT credential issued', 'SUCCESSFUL'],
    ['mdoc_issued', 'mdoc credential issued', 'SUCCESSFUL'],
    ['dpop_proof_validation_failed', 'DPoP proof refused'],
    ['issuance_status', 'status changed', 'SUCCESSFUL'],
  ]),
  ...group('waltid', 'walt.id (≤ 1.0)', 'legacy', [
    ['resolved_credential_offer', 'wallet resolved the offer'],
    ['requested_token', 'wallet requested a token'],
    ['sdjwt_issue', 'SD-JWT credential issued', 'SUCCESSFUL'],
    ['jwt_issue', 'JWT credential issued', 'SUCCESSFUL'],
    ['generated_mdoc', 'mdoc credential issued', 'SUCCESSFUL'],
    ['issuance_status', 'status changed', 'SUCCESSFUL'],
  ]),
  // walt.id has no Notification Endpoint: these are the sandbox's own (`sandbox --notification-endpoint`), in walt.id's envelope.
  ...group('waltid', 'issuer-events sandbox (--notification-endpoint)', 'current', [
    ['notification_credential_accepted', 'the wallet notified: credential accepted (OID4VCI §11)', 'SUCCESSFUL'],
    ['notification_credential_deleted', 'the wallet notified: credential deleted (OID4VCI §11)', 'SUCCESSFUL'],
    ['notification_credential_failure', 'the wallet notified: credential failure, e.g. it could not store it (OID4VCI §11)', 'SUCCESSFUL'],
  ]),
  ...group('igrant', 'iGrant.io', undefined, [
    ['openid.credential.offer_sent', 'offer sent to the holder'],
    ['openid.credential.offer_received', 'holder received the offer'],
    ['openid.credential.token_issued', 'token issued'],
    ['openid.credential.credential_issued', 'credential issued'],
    ['openid.credential.credential_acked', 'holder acknowledged the credential', 'SUCCESSFUL'],
    ['openid.credential.credential_accepted', 'holder accepted the credential', 'SUCCESSFUL'],
    ['openid.credential.credential_deleted', 'credential deleted'],
    ['openid.credential.issuance_denied', 'holder declined the issuance', 'REJECTED_BY_USER'],
    ['openid.presentation.request_sent', 'presentation request sent'],
    ['openid.presentation.request_received', 'holder received the presentation request'],
    ['openid.presentation.presentation_acked', 'presentation acknowledged'],
  ]),
  ...group('didx', 'didx:me', undefined, [
    ['openid4vc.issuance.offered', 'offer created'],
    ['openid4vc.issuance.completed', 'credential issued', 'SUCCESSFUL'],
    ['openid4vc.issuance.failed', 'issuance failed', 'FAILED'],
    ['openid4vc.issuance.expired', 'offer expired unclaimed', 'EXPIRED'],
  ]),
  ...group('crossmint', 'Crossmint', undefined, [
    ['credential.creation.succeeded', 'credential created', 'SUCCESSFUL'],
    ['credential.creation.failed', 'credential creation failed', 'FAILED'],
  ]),
];

/** The first catalog entry for a type (a walt.id name used by two generations has the same meaning). */
export function catalogEntry(type: string, provider?: CatalogProvider): EventTypeEntry | undefined {
  const entries = BY_TYPE.get(type.endsWith('.v3') ? type.slice(0, -3) : type);
  if (entries === undefined) return undefined;
  return provider === undefined ? entries[0] : entries.find((entry) => entry.provider === provider);
}

// Looked up for every delivery `listen` classifies: indexed once by type, in catalog order.
const BY_TYPE = new Map<string, EventTypeEntry[]>();
for (const entry of EVENT_CATALOG) {
  const list = BY_TYPE.get(entry.type);
  if (list) list.push(entry);
  else BY_TYPE.set(entry.type, [entry]);
}

export const SESSION_STATUSES = ['ACTIVE', 'SUCCESSFUL', 'UNSUCCESSFUL', 'REJECTED_BY_USER', 'EXPIRED', 'COMPLETED', 'FAILED'] as const;

const ALL_TYPES = new Set(EVENT_CATALOG.map((entry) => entry.type));

export function isKnownEventType(type: string): boolean {
  // iGrant's presentation types also come with a `.v3` suffix.
  return ALL_TYPES.has(type) || ALL_TYPES.has(type.replace(/\.v3$/, ''));
}

/** The closest known name, when one is close enough to be a typo. */
export function closestEventType(type: string): string | undefined {
  return closestMatch(type, ALL_TYPES);
}
