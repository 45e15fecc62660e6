/**
 * The event catalog as data: every event type the providers send (docs/providers.md), and
 * the session statuses. Used to check `--until` and `--events` (a typo waits out the timeout
 * otherwise) and to suggest the closest name.
 */
export const EVENT_TYPES: Readonly<Record<string, readonly string[]>> = {
  'walt.id (current)': [
    'credential_offer_created',
    'credential_offer_retrieved',
    'token_request_pre_authorized_code_succeeded',
    'token_request_pre_authorized_code_failed',
    'token_request_authorization_code_succeeded',
    'token_request_authorization_code_failed',
    'token_request_refresh_token_succeeded',
    'token_request_refresh_token_failed',
    'token_request_failed',
    'credential_request_sd_jwt_vc_succeeded',
    'credential_request_sd_jwt_vc_failed',
    'credential_request_w3c_vc_succeeded',
    'credential_request_w3c_vc_failed',
    'credential_request_mso_mdoc_succeeded',
    'credential_request_mso_mdoc_failed',
    'credential_request_failed',
    'issuance_status_changed',
    'pushed_authorization_request_succeeded',
    'pushed_authorization_request_failed',
    'authorization_request_succeeded',
    'authorization_request_failed',
    'nonce_request_succeeded',
    'nonce_request_failed',
  ],
  'walt.id (Aug 2026)': [
    'credential_offer_resolved',
    'access_token_issued',
    'tx_code_validation_failed',
    'sd_jwt_issued',
    'jwt_issued',
    'mdoc_issued',
    'dpop_proof_validation_failed',
    'issuance_status',
  ],
  'walt.id (≤ 1.0)': ['resolved_credential_offer', 'requested_token', 'sdjwt_issue', 'jwt_issue', 'generated_mdoc', 'issuance_status'],
  'iGrant.io': [
    'openid.credential.offer_sent',
    'openid.credential.offer_received',
    'openid.credential.token_issued',
    'openid.credential.credential_issued',
    'openid.credential.credential_acked',
    'openid.credential.credential_accepted',
    'openid.credential.credential_deleted',
    'openid.credential.issuance_denied',
    'openid.presentation.request_sent',
    'openid.presentation.request_received',
    'openid.presentation.presentation_acked',
  ],
  'didx:me': ['openid4vc.issuance.offered', 'openid4vc.issuance.completed', 'openid4vc.issuance.failed', 'openid4vc.issuance.expired'],
  Crossmint: ['credential.creation.succeeded', 'credential.creation.failed'],
};

export const SESSION_STATUSES = ['ACTIVE', 'SUCCESSFUL', 'UNSUCCESSFUL', 'REJECTED_BY_USER', 'EXPIRED', 'COMPLETED', 'FAILED'] as const;

const ALL_TYPES = new Set(Object.values(EVENT_TYPES).flat());

export function isKnownEventType(type: string): boolean {
  // iGrant's presentation types also come with a `.v3` suffix.
  return ALL_TYPES.has(type) || ALL_TYPES.has(type.replace(/\.v3$/, ''));
}

/** The closest known name, when one is close enough to be a typo. */
export function closestEventType(type: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(type.length / 4)) + 1;
  for (const known of ALL_TYPES) {
    const d = distance(type, known);
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
