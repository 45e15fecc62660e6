import { CliError } from '../errors.js';
import type { IssuerEvent } from '../issuer/catalog.js';
import type { IssuerConnection } from '../issuer/endpoints.js';
import { maskUserinfo } from '../shared/url.js';
import { type FollowReporter, failureLine } from '../sse/follow.js';
import type { ClaimReporter, ClaimResult, ClaimStep } from '../wallet/claim.js';
import { CLAIM_STEPS } from '../wallet/steps.js';
import type { CheckResult, RunReport } from './checks.js';

/** The module (JUnit testsuite) of an `offer create --claim` smoke test. */
const ISSUANCE_MODULE = 'issuer-events-issuance';

type ResultReporter = ClaimReporter & { result?(result: ClaimResult, refused?: boolean): void };

/**
 * Watches an `offer create --claim` run through the reporters it already has, and turns it into
 * checks: the offer created, each claim step (steps never reached are `skip`), each credential's
 * signature and holder binding, and the session's outcome as its events told it.
 */
export class IssuanceRecorder {
  private readonly startedAt = new Date().toISOString();
  private readonly started = performance.now();
  private created?: CheckResult;
  private readonly steps: ClaimStep[] = [];
  private claimed?: ClaimResult;
  /** The claim failed on its credentials: none was accepted. */
  private claimRefused = false;
  private readonly events: IssuerEvent[] = [];
  private followFailure?: string;
  private claimEnded = performance.now();

  /** The issuer as the summary names it: never the token, nor userinfo in the URL. */
  private readonly subject: string;

  constructor(
    private readonly profile: string,
    issuer: Pick<IssuerConnection, 'baseUrl' | 'target'>,
  ) {
    const url = maskUserinfo(issuer.baseUrl);
    this.subject = issuer.target ? `${issuer.target} at ${url}` : url;
  }

  /** Times the offer's creation; a failure is recorded and rethrown. */
  async create<T>(work: () => Promise<T>, detail: (value: T) => string): Promise<T> {
    const started = performance.now();
    try {
      const value = await work();
      this.created = this.result('create offer', 'pass', performance.now() - started, detail(value));
      this.claimEnded = performance.now();
      return value;
    } catch (error) {
      this.created = this.result('create offer', 'fail', performance.now() - started, messageOf(error));
      throw error;
    }
  }

  /** The follow reporter, seeing every event and the reason a tail ended badly. */
  follow(inner: FollowReporter): FollowReporter {
    return {
      started: (plan) => inner.started?.(plan),
      finished: () => inner.finished?.(),
      backpressure: () => inner.backpressure?.(),
      connected: (target, attempt) => inner.connected(target, attempt),
      reconnecting: (target, info) => inner.reconnecting(target, info),
      duplicate: (target, id) => inner.duplicate(target, id),
      failed: (target, failure) => {
        this.followFailure = failureLine(failure);
        inner.failed(target, failure);
      },
      event: (event, record, target) => {
        this.events.push(event);
        inner.event(event, record, target);
      },
    };
  }

  /** The claim reporter, seeing each step and the credentials. */
  claim(inner: ResultReporter): ResultReporter {
    return {
      step: (step) => {
        this.steps.push(step);
        this.claimEnded = performance.now();
        inner.step?.(step);
      },
      exchange: (exchange) => inner.exchange?.(exchange),
      unusedTxCode: () => inner.unusedTxCode?.(),
      result: (result, refused) => {
        this.claimed = result;
        this.claimRefused = refused === true;
        inner.result?.(result, refused);
      },
    };
  }

  /** The run as checks, once it ended with `exitCode` (and `error`, when it threw). */
  report(exitCode: number, error?: unknown): RunReport {
    const results: CheckResult[] = [];
    if (this.created) results.push(this.created);
    const seen = new Map<string, number>();
    for (const step of this.steps) {
      // nonce, proof, credential and decode repeat for every credential configuration.
      const n = (seen.get(step.name) ?? 0) + 1;
      seen.set(step.name, n);
      results.push(this.result(`claim ${step.name}${n > 1 ? ` #${n}` : ''}`, step.status === 'ok' ? 'pass' : 'fail', step.ms, step.detail ?? null));
    }
    const lastStep = this.steps.at(-1);
    const notReached = lastStep?.status === 'failed' ? `not reached: ${lastStep.name} failed` : 'not reached';
    if (!this.claimed) {
      // nonce and notification happen only when the issuer has their endpoints: not reaching them says nothing.
      for (const name of CLAIM_STEPS) if (name !== 'nonce' && name !== 'notification' && !seen.has(name)) results.push(this.result(`claim ${name}`, 'skip', 0, notReached));
    }
    for (const credential of this.claimed?.credentials ?? []) {
      const { signature, trust } = credential;
      // The wallet's verdict (docs/security.md): untrusted fails the claim, and so does an
      // unverified one unless it was accepted (--allow-unverified), which is a warning.
      const status = trust.status === 'trusted' ? 'pass' : trust.status === 'unverified' && !this.claimRefused ? 'warn' : 'fail';
      const good = `${credential.format}; signature verified with ${signature.key ?? 'the issuer key'}; bound to the wallet key`;
      results.push(this.result(`credential ${credential.configurationId}`, status, 0, status === 'pass' ? good : (trust.reason ?? 'not trusted')));
    }
    results.push(this.session(exitCode, error));
    // A failed run always names a failed check, whatever ended it.
    if (exitCode !== 0 && !results.some((r) => r.status === 'fail')) results.push(this.result('run', 'fail', 0, error ? messageOf(error) : `exit ${exitCode}`));
    return { title: 'offer create --claim', subject: this.subject, results, ms: performance.now() - this.started, exitCode, startedAt: this.startedAt };
  }

  /** The session's outcome, from its events: the terminal status, or why none came. */
  private session(exitCode: number, error: unknown): CheckResult {
    // The wait for the terminal status once the wallet was done: the steps before have their own times.
    const ms = performance.now() - this.claimEnded;
    if (!this.created || this.created.status === 'fail') return this.result('session outcome', 'skip', 0, 'not reached: no offer was created');
    const count = `${this.events.length} event${this.events.length === 1 ? '' : 's'}`;
    const terminal = this.events.findLast((e) => e.terminal);
    if (terminal) {
      const detail = `${terminal.status ?? 'terminal'} (${terminal.type}) after ${count}`;
      return this.result('session outcome', terminal.outcome === 'success' ? 'pass' : 'fail', ms, detail);
    }
    const last = this.events.at(-1);
    const seen = last ? `; last event ${last.type}${last.status ? ` (${last.status})` : ''}` : '';
    const why = this.followFailure ?? (exitCode === 0 ? undefined : error instanceof CliError ? 'the session never reached a terminal status' : messageOf(error));
    return this.result('session outcome', exitCode === 0 ? 'pass' : 'fail', ms, `${why ?? 'ended'} after ${count}${seen}`);
  }

  private result(check: string, status: CheckResult['status'], ms: number, detail: string | null): CheckResult {
    return { module: ISSUANCE_MODULE, check, profile: this.profile, status, ms: Math.round(ms), detail, spec: null };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
