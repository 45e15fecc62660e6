import { randomBytes } from 'node:crypto';
import type { CaptureRecord } from '../capture/record.js';
import { ExitCode } from '../errors.js';
import { followTarget } from '../issuer/endpoints.js';
import { createOffer, type OfferResponse } from '../issuer/offers.js';
import { type FollowFailure, type FollowReporter, failureLine, followSessions } from '../sse/follow.js';
import { WebhookReceiver } from '../webhooks/receiver.js';
import { loadProfiles } from './profiles.js';
import { SandboxIssuer } from './server.js';
import type { EventNames } from './events.js';
import type { ClaimOutcome } from './wallet.js';
import { claimOffer, type ClaimStep } from '../wallet/claim.js';
import { CliError } from '../errors.js';

export interface DemoPlan {
  profileId: string;
  outcome: ClaimOutcome;
  eventNames: EventNames;
  timeoutMs: number;
}

/** One event as one channel saw it, with its arrival time (performance.now()). */
export interface Seen {
  record: CaptureRecord;
  at: number;
}

export interface DemoResult {
  sse: Seen[];
  webhooks: Seen[];
  /** The wallet's protocol steps, with their arrival time. */
  steps: { step: ClaimStep; at: number }[];
  startedAt: number;
  finalStatus?: string;
  /** The issuer's refusal, for the fail and wrong-tx-code outcomes. */
  refusal?: string;
  /** Why the run failed, when it did (the exit code is not 0): the wallet's refusal first. */
  error?: string;
}

export interface DemoReporter {
  servers(info: { sandboxUrl: string; receiverUrl: string; eventNames: EventNames }): void;
  offer(offer: OfferResponse): void;
  claiming(outcome: ClaimOutcome): void;
  /** Renders the timelines and summary; returns nothing, the engine decides the exit code. */
  done(result: DemoResult): void;
  /** The run's deadline passed: why the session did not end, in the engine's words. */
  timedOut(failure: FollowFailure): void;
  /** Debug lines from the sandbox. */
  log(line: string): void;
}

/** sandbox + signed webhooks to a local listener + the session's SSE stream, on free ports; the wallet claims. */
export async function runDemo(plan: DemoPlan, reporter: DemoReporter): Promise<number> {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const webhooks: Seen[] = [];
  const sse: Seen[] = [];
  const sandbox = new SandboxIssuer({
    host: '127.0.0.1',
    port: 0,
    profiles: loadProfiles(undefined),
    eventNames: plan.eventNames,
    webhookSigning: { scheme: 'standard', secret },
    log: (line) => reporter.log(line),
  });
  const receiver = new WebhookReceiver({
    host: '127.0.0.1',
    port: 0,
    path: '/hooks',
    scheme: 'standard',
    secrets: [secret],
    toleranceSec: 300,
    allowUnsigned: false,
    maxBody: 1024 * 1024,
    onResult: (result) => webhooks.push({ record: result.record, at: performance.now() }),
  });
  await Promise.all([sandbox.start(), receiver.start()]);
  reporter.servers({ sandboxUrl: sandbox.url, receiverUrl: receiver.url, eventNames: plan.eventNames });
  try {
    const connection = { baseUrl: sandbox.url };
    // Time zero is the offer request: the offer's creation webhook can arrive before its response.
    const startedAt = performance.now();
    const offer = await createOffer(connection, { profileId: plan.profileId, webhookUrl: receiver.url, txCode: true });
    reporter.offer(offer);
    let connected!: () => void;
    const isConnected = new Promise<void>((resolve) => (connected = resolve));
    let finalStatus: string | undefined;
    let followFailure: FollowFailure | undefined;
    const collector: FollowReporter = {
      event(event, record) {
        sse.push({ record, at: performance.now() });
        if (event.terminal) finalStatus = event.status;
      },
      connected: () => connected(),
      reconnecting() {},
      duplicate() {},
      failed: (_target, failure) => {
        followFailure = failure;
      },
    };
    const stop = new AbortController();
    const following = followSessions(
      { targets: [followTarget(connection, offer.offerId)], timeoutMs: plan.timeoutMs, connectTimeoutMs: 5000, retries: 3, signal: stop.signal },
      collector,
    );
    await Promise.race([isConnected, following]);
    reporter.claiming(plan.outcome);
    const steps: DemoResult['steps'] = [];
    let refusal: string | undefined;
    try {
      // The real wallet against the sandbox, with its steps recorded for the timeline.
      const right = offer.txCodeValue as string;
      const txCode = plan.outcome === 'wrong-tx-code' ? right.replace(/\d/g, (d) => String((Number(d) + 1) % 10)) : right;
      await claimOffer({ offer: offer.credentialOffer, txCode, invalidProof: plan.outcome === 'fail' }, { step: (step) => steps.push({ step, at: performance.now() }) });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      refusal = error.message;
    }
    // A wrong tx code leaves the session ACTIVE (walt.id): stop following once the refusal is in.
    if (plan.outcome === 'wrong-tx-code') setTimeout(() => stop.abort(ExitCode.UNSUCCESSFUL), 300).unref();
    const followed = await following;
    if (followed === ExitCode.TIMEOUT) {
      reporter.timedOut(followFailure ?? { message: 'timed out', code: 'E_TIMEOUT', kind: 'deadline' });
      return ExitCode.TIMEOUT;
    }
    const { code, error } = outcome(webhooks, refusal, followed, followFailure && failureLine(followFailure));
    reporter.done({ sse, webhooks, steps, startedAt, finalStatus: finalStatus ?? 'ACTIVE', refusal, error });
    return code;
  } finally {
    await Promise.all([sandbox.close(), receiver.close()]);
  }
}

/** The run's exit code and, when it is not 0, why. */
function outcome(webhooks: Seen[], refusal: string | undefined, followed: number, followFailure: string | undefined): { code: number; error?: string } {
  const unverified = webhooks.filter((w) => !w.record.verified).length;
  if (webhooks.length === 0) return { code: ExitCode.INVALID_SIGNATURE, error: 'no webhook arrived' };
  if (unverified > 0) return { code: ExitCode.INVALID_SIGNATURE, error: `${unverified} of ${webhooks.length} webhooks failed signature verification` };
  // The wallet's refusal is what went wrong; "session ended UNSUCCESSFUL" only follows from it.
  if (refusal) return { code: ExitCode.UNSUCCESSFUL, error: refusal };
  return { code: followed, error: followed === ExitCode.OK ? undefined : followFailure };
}
