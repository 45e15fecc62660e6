import type { IssuerEvent } from './catalog.js';
import { catalogEntry } from './event-types.js';

/**
 * The issuance step an event reports, whatever generation of walt.id names it (PROVIDERS.md,
 * "Event types"): what `check` matches events against. New names appear: an event whose name no
 * generation uses is matched by its shape (`…_succeeded` / `…_failed` of a token or credential
 * request), else it has no step and is ignored, never an error.
 */
type EventStep = 'offer-created' | 'offer-retrieved' | 'token-succeeded' | 'token-failed' | 'credential-succeeded' | 'credential-failed' | 'status-changed';

const BY_NAME: Record<string, EventStep> = {
  credential_offer_created: 'offer-created',
  resolved_credential_offer: 'offer-retrieved',
  credential_offer_resolved: 'offer-retrieved',
  credential_offer_retrieved: 'offer-retrieved',
  requested_token: 'token-succeeded',
  access_token_issued: 'token-succeeded',
  tx_code_validation_failed: 'token-failed',
  jwt_issue: 'credential-succeeded',
  sdjwt_issue: 'credential-succeeded',
  generated_mdoc: 'credential-succeeded',
  jwt_issued: 'credential-succeeded',
  sd_jwt_issued: 'credential-succeeded',
  mdoc_issued: 'credential-succeeded',
  issuance_status: 'status-changed',
  issuance_status_changed: 'status-changed',
};

export function eventStep(type: string): EventStep | undefined {
  const named = BY_NAME[type];
  if (named) return named;
  if (/^token_request_.*_succeeded$/.test(type)) return 'token-succeeded';
  if (/^token_request_.*failed$/.test(type)) return 'token-failed';
  if (/^credential_request_.*_succeeded$/.test(type)) return 'credential-succeeded';
  if (/^credential_request_.*failed$/.test(type)) return 'credential-failed';
  return undefined;
}

/** The generation of walt.id event names an event belongs to, when its name says so. */
export function eventGeneration(type: string): 'current' | 'interim' | 'legacy' | undefined {
  return catalogEntry(type, 'waltid')?.generation;
}

/**
 * Whether a generation reports a refused token request on the session: v1.0.0-PRE (legacy) sends
 * nothing on a token failure; the interim generation sends `tx_code_validation_failed`, the
 * current one `token_request_pre_authorized_code_failed`.
 */
export function reportsTokenFailure(generation: 'current' | 'interim' | 'legacy' | undefined): boolean {
  return generation !== 'legacy';
}

/** An event that reports a refusal: an error in the payload, a `…failed` name, or an unsuccessful terminal status. */
export function reportsFailure(event: IssuerEvent): boolean {
  return event.failed || (event.terminal && event.outcome === 'failure');
}
