import type { ExchangeTrace } from '../http/client.js';
import { keepRawData, markRedacted, sseRecord, type CaptureRecord } from '../capture/record.js';
import { CaptureWriter } from '../capture/writer.js';
import { CliError, codeForExit, type ErrorCode, type ErrorKind, ExitCode } from '../errors.js';
import { createDispatcher } from '../http/client.js';
import { buildEvent, eventFromSse, type IssuerEvent } from '../issuer/catalog.js';
import { redactPrivateKeys } from '../shared/json-safety.js';
import { SessionTruth, type TruthVerdict } from './session-truth.js';
import { conditionMet, describeCondition, type Condition } from '../issuer/condition.js';
import { exitCodeForOutcome } from '../issuer/status.js';
import { formatDuration, safeTimeout } from '../shared/duration.js';
import { exitCodeForStop, onStop } from '../shared/shutdown.js';
import { SseStream, type StreamMessage } from './stream.js';

/** One stream to follow. */
export interface FollowTarget {
  /** Short name for messages: the session id. */
  label: string;
  url: string;
  headers: Record<string, string>;
  /** The session resource (`GET /issuer2/sessions/{id}`), read for session truth. */
  sessionUrl?: string;
}

/** What to follow and when to stop: the engine's whole configuration (no flags here). */
export interface FollowPlan {
  targets: FollowTarget[];
  until?: Condition;
  /** Only these event types are reported (all are still followed and captured). */
  events?: ReadonlySet<string>;
  timeoutMs?: number;
  idleTimeoutMs?: number;
  connectTimeoutMs: number;
  retries: number;
  /** Before the first connection, keep retrying a refused connection this long. */
  waitForServerMs?: number;
  /** Largest SSE line or event accepted. */
  maxEventBytes?: number;
  /** Append every event to this capture file. */
  savePath?: string;
  /** Keep private key material (walt.id ≤ 1.0 puts the issuer's private JWK in every event). */
  keepPrivateKeys?: boolean;
  /** `-v`: sees each HTTP exchange (the stream's request and response headers, session reads). */
  trace?: ExchangeTrace;
  /**
   * Said after "no event arrived" when the timeout passes before any event: why, and what to do.
   * The caller knows how the session began (created just now, or by someone else before).
   */
  silenceHint?: string;
  /** Stops every tail when aborted; they end with exit code `signal.reason` (a number) or 0. */
  signal?: AbortSignal;
}

/**
 * Why a session's tail ended badly, in the engine's words: `message`, then `detail` when there is
 * more to say. `code` is the stable code (E_IDLE_TIMEOUT, or E_ and the exit code's name for an
 * end that was not thrown); `kind`, when a setting would change it (a caller names its flag after
 * `message`: the CLI's cli/flag-hints.ts).
 */
export interface FollowFailure {
  message: string;
  code: ErrorCode;
  kind?: ErrorKind;
  detail?: string;
}

/** The failure as one line; `hint` (e.g. the flag that changes it) goes after the message, before the detail. */
export function failureLine(failure: FollowFailure, hint = ''): string {
  return `${failure.message}${hint}${failure.detail ? `; ${failure.detail}` : ''}`;
}

/** How the engine reports; the CLI's renderer implements it, the API can too. */
export interface FollowReporter {
  /** Called once before streams open, with a stop function for the caller's UI. */
  started?(plan: FollowPlan): void | Promise<void>;
  finished?(): void;
  event(event: IssuerEvent, record: CaptureRecord, target: FollowTarget): void;
  connected(target: FollowTarget, attempt: number): void;
  /** `reasonKind`: what the reason is about, when a setting changes it (no response within the connect timeout). */
  reconnecting(target: FollowTarget, info: { reason: string; reasonKind?: ErrorKind; delayMs: number; failures: number; retries: number }): void;
  duplicate(target: FollowTarget, id: string | undefined): void;
  /** A session's tail ended badly (the exit code says how). */
  failed(target: FollowTarget, failure: FollowFailure): void;
  /** Output backpressure: a promise to wait on before reading more. */
  backpressure?(): Promise<void> | undefined;
}

/** Follows every target concurrently; resolves with the highest of their exit codes. */
export async function followSessions(plan: FollowPlan, reporter: FollowReporter): Promise<number> {
  const capture = plan.savePath ? await CaptureWriter.open(plan.savePath) : undefined;
  // Streams get their own dispatcher: no body timeout (walt.id sends no heartbeats; silence is
  // the idle timeout's business), headers bounded by the connect timeout.
  const dispatcher = createDispatcher({ connectTimeoutMs: plan.connectTimeoutMs, bodyTimeoutMs: 0, headersTimeoutMs: plan.connectTimeoutMs });
  const tails = plan.targets.map((target) => new SessionTail(target, plan, reporter, capture, dispatcher));
  let stopCode: number | undefined;
  // Tail always awaits a condition (a terminal status at least): SIGTERM is 143.
  const disposeStop = onStop((reason) => {
    stopCode = exitCodeForStop(reason, true);
    for (const tail of tails) tail.stop(stopCode);
  });
  const timer =
    plan.timeoutMs === undefined
      ? undefined
      : safeTimeout(() => {
          const what = plan.until ? describeCondition(plan.until) : 'terminal status';
          for (const tail of tails)
            tail.stop(ExitCode.TIMEOUT, {
              message: `no ${what} within ${formatDuration(plan.timeoutMs!)}`,
              kind: 'deadline',
              detail: tail.silent ? `no event arrived${plan.silenceHint ? `: ${plan.silenceHint}` : ''}` : undefined,
            });
        }, plan.timeoutMs);
  const onAbort = (): void => {
    const reason = plan.signal?.reason;
    for (const tail of tails) tail.stop(typeof reason === 'number' ? reason : ExitCode.OK);
  };
  plan.signal?.addEventListener('abort', onAbort, { once: true });
  if (plan.signal?.aborted) onAbort();
  await reporter.started?.(plan);
  try {
    const codes = await Promise.all(tails.map((tail) => tail.run()));
    return stopCode ?? Math.max(...codes);
  } finally {
    reporter.finished?.();
    plan.signal?.removeEventListener('abort', onAbort);
    clearTimeout(timer);
    disposeStop();
    // Captures are closed before the exit code is returned, also on SIGINT.
    await capture?.close();
    await dispatcher.close().catch(() => {});
  }
}

/** One followed session: stream, reporting, capture and the session's own exit code. */
class SessionTail {
  private readonly stream: SseStream;
  private code: number | undefined;
  private lastWrite: Promise<void> | undefined;
  private writeError: Error | undefined;
  private events = 0;
  private truth: SessionTruth | undefined;

  constructor(
    private readonly target: FollowTarget,
    private readonly plan: FollowPlan,
    private readonly reporter: FollowReporter,
    private readonly capture: CaptureWriter | undefined,
    dispatcher: ReturnType<typeof createDispatcher>,
  ) {
    this.stream = new SseStream(
      {
        url: target.url,
        headers: target.headers,
        dispatcher,
        retries: plan.retries,
        connectTimeoutMs: plan.connectTimeoutMs,
        idleTimeoutMs: plan.idleTimeoutMs,
        waitForServerMs: plan.waitForServerMs,
        maxEventBytes: plan.maxEventBytes,
        trace: plan.trace,
      },
      {
        onMessage: (message) => this.onMessage(message),
        backpressure: () => reporter.backpressure?.(),
        onDuplicate: (message) => reporter.duplicate(target, message.id),
        onConnect: ({ attempt }) => {
          reporter.connected(target, attempt);
          // Once the stream is open, ask the session resource what SSE alone cannot tell.
          if (target.sessionUrl && !this.truth) {
            this.truth = new SessionTruth(target.sessionUrl, target.headers, (verdict) => this.onTruth(verdict), plan.trace);
            this.truth.check();
          }
        },
        onReconnect: ({ failures, delayMs, reason, reasonKind }) => reporter.reconnecting(target, { reason, reasonKind, delayMs, failures, retries: plan.retries }),
      },
    );
  }

  /** True while no event has been reported (for the --timeout hint). */
  get silent(): boolean {
    return this.events === 0;
  }

  /** Ends this tail with `code`; a failure is reported (its code, unless given, is E_ and the exit code's name). */
  stop(code: number, failure?: Omit<FollowFailure, 'code'> & { code?: ErrorCode }): void {
    if (this.code !== undefined) return;
    this.code = code;
    this.truth?.cancel();
    if (failure) this.reporter.failed(this.target, { ...failure, code: failure.code ?? codeForExit(code) });
    this.stream.close();
  }

  async run(): Promise<number> {
    try {
      await this.stream.run();
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      this.stop(error.exitCode, { message: error.message, code: error.code, kind: error.kind });
    }
    await this.lastWrite;
    if (this.writeError) {
      this.reporter.failed(this.target, { message: `could not write to capture file: ${this.writeError.message}`, code: 'E_FAILURE' });
      return Math.max(this.code ?? ExitCode.FAILURE, ExitCode.FAILURE);
    }
    return this.code ?? ExitCode.FAILURE;
  }

  private onMessage(message: StreamMessage): boolean {
    const event = eventFromSse(message, this.target.label);
    if (!event) return false;
    this.events++;
    const record = sseRecord(event, { url: this.target.url, event: message.event });
    const redacted = this.plan.keepPrivateKeys || !message.data.includes('"kty"') ? [] : redactPrivateKeys(record.data);
    if (redacted.length > 0) markRedacted(record, redacted);
    const reported = !this.plan.events || this.plan.events.has(event.type);
    // The payload's own text stands for it in the line, unless key material was cut out of it.
    if (redacted.length === 0) keepRawData(record, message.data);
    if (this.capture) this.trackWrite(this.capture.write(record));
    if (reported) this.reporter.event(event, record, this.target);
    return this.judge(event);
  }

  /** What the session resource said: a terminal session, or one deleted at its expiry. */
  private onTruth(verdict: TruthVerdict): void {
    if (this.code !== undefined) return;
    const session = verdict.kind === 'expired' ? { status: 'EXPIRED', isClosed: true, sessionId: this.target.label } : verdict.session;
    const event = buildEvent('session', { ...session, target: this.target.label }, session, undefined, this.target.label);
    const record: CaptureRecord = { ...sseRecord(event, { url: verdict.url }), source: 'session' };
    this.events++;
    if (this.capture) this.trackWrite(this.capture.write(record));
    this.reporter.event(event, record, this.target);
    if (verdict.kind === 'expired') this.stop(ExitCode.UNSUCCESSFUL, { message: 'session EXPIRED: it was deleted at its expiresAt before it was claimed' });
    else this.judge(event);
  }

  /** True when this event ends the session's tail (condition met or terminal status). */
  private judge(event: IssuerEvent): boolean {
    const until = this.plan.until;
    if (until && conditionMet(until, event)) {
      this.stop(ExitCode.OK);
      return true;
    }
    if (!event.terminal) return false;
    if (event.outcome === 'success' && until) {
      this.stop(ExitCode.FAILURE, { message: `session ended ${event.status} before ${describeCondition(until)}` });
    } else if (event.outcome === 'success') {
      this.stop(ExitCode.OK);
    } else {
      this.stop(exitCodeForOutcome('failure'), { message: `session ended ${event.status ?? 'unsuccessfully'}` });
    }
    return true;
  }

  // Only the newest write is kept: the writer resolves in order, so it covers all before it.
  // A failed write stops this tail at once (exit 1): streaming on into a full disk loses events.
  private trackWrite(write: Promise<void>): void {
    this.lastWrite = write.catch((error: Error) => {
      this.writeError ??= error;
      this.stream.close();
    });
  }
}
