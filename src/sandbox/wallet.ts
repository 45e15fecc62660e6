import { claimOffer } from '../wallet/claim.js';
import { ClaimError } from '../wallet/errors.js';
import type { Session } from './session-store.js';

// In a module of their own: the CLI's flag parsing names them without loading the wallet stack.
import type { ClaimOutcome } from './outcomes.js';
export { OUTCOMES, isOutcome, type ClaimOutcome } from './outcomes.js';

/** A code that is certainly not the session's: every digit shifted by one. */
function wrongCode(code: string): string {
  return [...code].map((c) => (/\d/.test(c) ? String((Number(c) + 1) % 10) : c === 'x' ? 'y' : 'x')).join('');
}

/**
 * The sandbox's wallet is the real one: `claim` runs the OID4VCI client against the sandbox
 * itself, so `fail` is an invalid proof the issuer refuses and `wrong-tx-code` a wrong code.
 * Resolves with the refusal (if any) once the issuer has answered.
 */
export async function claimAsWallet(session: Session, outcome: ClaimOutcome): Promise<{ refused?: string }> {
  try {
    await claimOffer({
      offer: session.credentialOffer,
      txCode: session.txCodeValue === undefined ? undefined : outcome === 'wrong-tx-code' ? wrongCode(session.txCodeValue) : session.txCodeValue,
      invalidProof: outcome === 'fail',
      // --public-url may name a LAN address of this machine: the wallet may use plain http to it.
      insecure: true,
    });
    return {};
  } catch (error) {
    if (error instanceof ClaimError && error.oauthError) return { refused: error.oauthError.error };
    throw error;
  }
}
