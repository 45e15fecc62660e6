import { CliError, ExitCode } from '../errors.js';
import { type FollowPlan, type FollowReporter, type FollowTarget, followSessions } from '../sse/follow.js';
import { delay } from '../shared/duration.js';
import { type ClaimPlan, type ClaimReporter, type ClaimResult, claimOffer } from './claim.js';
import { ClaimError, UntrustedCredentialError } from './errors.js';

/** How long events of a refused claim may still arrive before following stops. */
const AFTER_REFUSAL_MS = 1500;

export interface IssuancePlan {
  follow: FollowPlan;
  claim: ClaimPlan;
}

/**
 * A whole issuance smoke test: subscribe to the session first (walt.id replays nothing to a
 * first subscriber), claim as the wallet, then wait for the session's terminal status. The exit
 * code is the session's outcome (0 / 3), or the claim's failure when the session stays open
 * (a wrong tx code leaves it ACTIVE).
 */
export async function claimWhileFollowing(
  plan: IssuancePlan,
  follow: FollowReporter,
  claim: ClaimReporter & { result?(r: ClaimResult, refused?: boolean): void },
): Promise<number> {
  let connected!: () => void;
  const subscribed = new Promise<void>((resolve) => (connected = resolve));
  const controller = new AbortController();
  // The caller's reporter, told about the connection and also telling us.
  const reporter: FollowReporter = {
    started: (p) => follow.started?.(p),
    finished: () => follow.finished?.(),
    backpressure: () => follow.backpressure?.(),
    event: (...args) => follow.event(...args),
    reconnecting: (...args) => follow.reconnecting(...args),
    duplicate: (...args) => follow.duplicate(...args),
    failed: (...args) => follow.failed(...args),
    connected(target: FollowTarget, attempt: number) {
      follow.connected(target, attempt);
      connected();
    },
  };
  const following = followSessions({ ...plan.follow, signal: controller.signal }, reporter);
  // A stream that fails before it opens ends `following` first; its code is the answer.
  const first = await Promise.race([subscribed.then(() => undefined), following]);
  if (first !== undefined) return first;
  let claimFailure: CliError | undefined;
  // A session's wait that fails (its timeout, SIGINT) while the wallet is still claiming stops
  // the claim too: nothing the wallet waits on may outlive the command's own bounds.
  const stopClaim = new AbortController();
  const stoppedBy = new ClaimError('offer', 'stopped: the wait for the session ended first', ExitCode.FAILURE);
  void following.then((code) => {
    if (code !== ExitCode.OK) stopClaim.abort(stoppedBy);
  });
  try {
    claim.result?.(await claimOffer({ ...plan.claim, signal: stopClaim.signal }, claim));
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    // Stopped because the session's wait ended: that outcome, already reported, is the answer.
    if (error === stoppedBy) return following;
    claimFailure = error;
    // Credentials the wallet cannot trust are still shown, beside why.
    if (error instanceof UntrustedCredentialError) claim.result?.(error.result as ClaimResult, true);
    // Let the issuer's failure events arrive, then stop following: the session may stay ACTIVE.
    const ended = await Promise.race([following.then(() => true), delay(AFTER_REFUSAL_MS).then(() => false)]);
    if (!ended) controller.abort(error.exitCode);
  }
  const code = await following;
  // A refused claim is the answer (its message names the step and the issuer's error); the
  // session's own events were printed meanwhile (invalid proof → UNSUCCESSFUL, also exit 3).
  if (claimFailure) throw claimFailure;
  return code;
}
