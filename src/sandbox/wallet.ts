import type { CredentialFormat } from './profiles.js';
import type { Session, SessionStatus } from './session-store.js';

/** What the sandbox's wallet does when it claims: succeed, send an invalid proof, or a wrong tx code. */
export const OUTCOMES = ['success', 'fail', 'wrong-tx-code'] as const;
export type ClaimOutcome = (typeof OUTCOMES)[number];

export function isOutcome(text: string): text is ClaimOutcome {
  return (OUTCOMES as readonly string[]).includes(text);
}
export type EventNames = 'current' | 'legacy';

/** One step of an issuance as the issuer reports it. */
export interface Step {
  event: string;
  /** Status after this step; ACTIVE keeps the session open. */
  status?: SessionStatus;
  error?: string;
  errorDescription?: string;
}

const LEGACY_ISSUE: Record<CredentialFormat, string> = { w3c_vc: 'jwt_issue', sd_jwt_vc: 'sdjwt_issue', mso_mdoc: 'generated_mdoc' };

/**
 * The events a wallet claiming the offer causes, per credential format, outcome and naming
 * generation (docs/providers.md, "Event types"). The last step carries the terminal status.
 */
export function claimSteps(session: Session, outcome: ClaimOutcome, names: EventNames): Step[] {
  const format = session.profile.format;
  const preAuth = session.offer.authMethod === 'PRE_AUTHORIZED';
  if (names === 'legacy') {
    const steps: Step[] = [{ event: 'resolved_credential_offer' }, { event: 'requested_token' }];
    if (outcome === 'wrong-tx-code')
      return [steps[0]!, { event: 'requested_token', error: 'invalid_grant', errorDescription: 'Invalid transaction code' }, { event: 'issuance_status', status: 'UNSUCCESSFUL' }];
    if (outcome === 'fail')
      return [
        ...steps,
        { event: LEGACY_ISSUE[format], error: 'invalid_proof', errorDescription: 'Proof of possession could not be verified' },
        { event: 'issuance_status', status: 'UNSUCCESSFUL' },
      ];
    return [...steps, { event: LEGACY_ISSUE[format] }, { event: 'issuance_status', status: 'SUCCESSFUL' }];
  }
  const grant = preAuth ? 'pre_authorized_code' : 'authorization_code';
  const steps: Step[] = [{ event: 'credential_offer_retrieved' }];
  if (!preAuth) steps.push({ event: 'authorization_request_succeeded' });
  if (outcome === 'wrong-tx-code') {
    return [
      ...steps,
      { event: `token_request_${grant}_failed`, error: 'invalid_grant', errorDescription: 'Invalid transaction code' },
      { event: 'issuance_status_changed', status: 'UNSUCCESSFUL' },
    ];
  }
  steps.push({ event: `token_request_${grant}_succeeded` }, { event: 'nonce_request_succeeded' });
  if (outcome === 'fail') {
    return [
      ...steps,
      { event: `credential_request_${format}_failed`, error: 'invalid_proof', errorDescription: 'Proof of possession could not be verified' },
      { event: 'issuance_status_changed', status: 'UNSUCCESSFUL' },
    ];
  }
  return [...steps, { event: `credential_request_${format}_succeeded` }, { event: 'issuance_status_changed', status: 'SUCCESSFUL' }];
}
