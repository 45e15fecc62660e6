import type { EventSourceMessage } from 'eventsource-parser';
import type { CommandContext } from './context.js';
import { serializeRecord, sseRecord, type CaptureRecord } from '../capture/record.js';
import { CaptureWriter } from '../capture/writer.js';
import { CliError, ExitCode, UsageError } from '../errors.js';
import { createDispatcher } from '../http/client.js';
import { eventFromSse, summarize, type IssuerEvent } from '../issuer/catalog.js';
import { conditionMet, describeCondition, parseCondition, type Condition } from '../issuer/condition.js';
import { assertUsable, authHeaders, sessionEventsUrl, type IssuerConnection } from '../issuer/endpoints.js';
import { exitCodeForOutcome } from '../issuer/status.js';
import { escapeControl, escapeLine } from '../output/escape.js';
import type { Output } from '../output/output.js';
import { SessionStream } from '../sse/session-stream.js';
import { formatDuration, parseDuration, parseInteger } from '../util/duration.js';

export interface TailCliOptions {
  until?: string;
  events?: string;
  timeout?: string;
  idleTimeout?: string;
  connectTimeout?: string;
  retries?: string;
  save?: string;
  baseUrl?: string;
  target?: string;
  token?: string;
}

interface TailPlan {
  until?: Condition;
  events?: Set<string>;
  timeoutMs?: number;
  idleTimeoutMs?: number;
  connectTimeoutMs: number;
  retries: number;
}

function plan(options: TailCliOptions): TailPlan {
  const events = options.events?.split(',').map((t) => t.trim()).filter(Boolean);
  return {
    until: options.until === undefined ? undefined : parseCondition(options.until),
    events: events?.length ? new Set(events) : undefined,
    timeoutMs: options.timeout === undefined ? undefined : parseDuration(options.timeout, '--timeout'),
    idleTimeoutMs: options.idleTimeout === undefined ? undefined : parseDuration(options.idleTimeout, '--idle-timeout'),
    connectTimeoutMs: parseDuration(options.connectTimeout ?? '10s', '--connect-timeout'),
    retries: parseInteger(options.retries ?? '10', '--retries'),
  };
}

export async function run(ctx: CommandContext<TailCliOptions>, sessions: string[]): Promise<number> {
  if (!sessions?.length) throw new UsageError('missing session: pass one or more session ids or stream URLs');
  const { options } = ctx;
  const needsIssuer = sessions.some((s) => !isAbsoluteUrl(s));
  const settings = await ctx.settings({ baseUrl: options.baseUrl, target: options.target, token: options.token });
  const connection: IssuerConnection = { baseUrl: settings.baseUrl, target: settings.target, token: settings.token };
  if (needsIssuer) assertUsable(connection);
  return tailSessions(ctx, sessions, connection);
}

function isAbsoluteUrl(text: string): boolean {
  return /^https?:\/\//i.test(text);
}

/** A short name for a session in pretty output: the id, or the path segment before `/events`. */
function labelOf(arg: string): string {
  if (!isAbsoluteUrl(arg)) return arg;
  try {
    const parts = new URL(arg).pathname.split('/').filter(Boolean);
    const i = parts.lastIndexOf('events');
    return decodeURIComponent((i > 0 ? parts[i - 1] : parts.at(-1)) ?? arg);
  } catch {
    return arg;
  }
}

/** Follows every session concurrently; the exit code is the highest of the sessions' codes. */
export async function tailSessions(ctx: CommandContext<TailCliOptions>, sessions: string[], connection: IssuerConnection): Promise<number> {
  const { output, options } = ctx;
  const tailPlan = plan(options);
  const capture = options.save ? await CaptureWriter.open(options.save) : undefined;
  // Streams get their own dispatcher: no body timeout (walt.id sends no heartbeats; silence is
  // --idle-timeout's business), headers bounded by --connect-timeout.
  const dispatcher = createDispatcher({ connectTimeoutMs: tailPlan.connectTimeoutMs, bodyTimeoutMs: 0, headersTimeoutMs: tailPlan.connectTimeoutMs });
  const spinner = await output.spinner(`Following ${sessions.length === 1 ? labelOf(sessions[0]!) : `${sessions.length} sessions`}`);
  const tails = sessions.map((arg) => new SessionTail(arg, sessions.length > 1, tailPlan, output, capture, {
    url: isAbsoluteUrl(arg) ? arg : sessionEventsUrl(connection, arg),
    headers: authHeaders(connection),
    dispatcher,
  }));

  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    for (const tail of tails) tail.stop(ExitCode.INTERRUPTED);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer = tailPlan.timeoutMs === undefined ? undefined : setTimeout(() => {
    for (const tail of tails) tail.stop(ExitCode.TIMEOUT, `no ${tailPlan.until ? describeCondition(tailPlan.until) : 'terminal status'} within ${formatDuration(tailPlan.timeoutMs!)} (--timeout)`);
  }, tailPlan.timeoutMs);
  spinner.start();
  try {
    const codes = await Promise.all(tails.map((tail) => tail.run()));
    return interrupted ? ExitCode.INTERRUPTED : Math.max(...codes);
  } finally {
    spinner.stop();
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // Captures are closed before the exit code is returned, also on SIGINT.
    await capture?.close();
    await dispatcher.close().catch(() => {});
  }
}

interface StreamTarget {
  url: string;
  headers: Record<string, string>;
  dispatcher: ReturnType<typeof createDispatcher>;
}

/** One followed session: stream, printing, capture and the session's own exit code. */
class SessionTail {
  private readonly label: string;
  private readonly stream: SessionStream;
  private code: number | undefined;
  private lastWrite: Promise<void> | undefined;
  private writeError: Error | undefined;

  constructor(
    arg: string,
    private readonly prefix: boolean,
    private readonly plan: TailPlan,
    private readonly output: Output,
    private readonly capture: CaptureWriter | undefined,
    private readonly target: StreamTarget,
  ) {
    this.label = labelOf(arg);
    this.stream = new SessionStream(
      {
        url: target.url,
        headers: target.headers,
        dispatcher: target.dispatcher,
        retries: plan.retries,
        connectTimeoutMs: plan.connectTimeoutMs,
        idleTimeoutMs: plan.idleTimeoutMs,
      },
      {
        onMessage: (message) => this.onMessage(message),
        backpressure: () => output.drained(),
        onDuplicate: (message) => output.debug(`${this.tag()}replayed event skipped${message.id ? ` (id ${escapeLine(message.id)})` : ''}`),
        onConnect: ({ attempt }) => output.debug(`${this.tag()}connected to ${target.url}${attempt > 1 ? ` (attempt ${attempt})` : ''}`),
        onReconnect: ({ failures, delayMs, reason }) => {
          const attempt = failures > 0 ? ` (attempt ${failures + 1}/${plan.retries + 1})` : '';
          output.info(output.errColor.yellow(`${this.tag()}${escapeLine(reason)}; reconnecting in ${formatDuration(delayMs)}${attempt}`));
        },
      },
    );
  }

  private tag(): string {
    return this.prefix ? `[${escapeLine(this.label)}] ` : '';
  }

  stop(code: number, message?: string): void {
    if (this.code !== undefined) return;
    this.code = code;
    if (message) this.output.error(`${this.tag()}${message}`);
    this.stream.close();
  }

  async run(): Promise<number> {
    try {
      await this.stream.run();
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      this.stop(error.exitCode, error.message);
    }
    await this.lastWrite;
    if (this.writeError) {
      this.output.error(`${this.tag()}could not write to capture file: ${this.writeError.message}`);
      return Math.max(this.code ?? ExitCode.FAILURE, ExitCode.FAILURE);
    }
    return this.code ?? ExitCode.FAILURE;
  }

  private onMessage(message: EventSourceMessage): boolean {
    const event = eventFromSse(message, this.label);
    if (!event) return false;
    const record = sseRecord(event, { url: this.target.url, event: message.event });
    const printed = !this.plan.events || this.plan.events.has(event.type);
    if (this.capture || (printed && this.output.json)) {
      const line = serializeRecord(record, message.data);
      if (this.capture) this.trackWrite(this.capture.writeLine(line));
      if (printed && this.output.json) this.output.recordLine(line);
    }
    if (printed && !this.output.json) this.print(event, record);
    return this.judge(event);
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
      this.stop(ExitCode.FAILURE, `session ended ${event.status} before ${describeCondition(until)}`);
    } else if (event.outcome === 'success') {
      this.stop(ExitCode.OK);
    } else {
      this.stop(exitCodeForOutcome('failure'), `session ended ${event.status ?? 'unsuccessfully'}`);
    }
    return true;
  }

  // Only the newest write is kept: the writer resolves in order, so it covers all before it.
  private trackWrite(write: Promise<void>): void {
    this.lastWrite = write.catch((error: Error) => {
      this.writeError ??= error;
    });
  }

  private print(event: IssuerEvent, record: CaptureRecord): void {
    const output = this.output;
    const c = output.color;
    const time = record.receivedAt.slice(11, 23);
    const paint = event.terminal ? (event.outcome === 'success' ? c.green : c.red) : event.failed ? c.red : (s: string) => s;
    const parts = [c.dim(time)];
    if (this.prefix) parts.push(c.cyan(escapeLine(this.label)));
    parts.push(paint(c.bold(escapeLine(event.type))));
    if (event.status) parts.push(paint(escapeLine(event.status)));
    const summary = summarize(event);
    if (summary) parts.push(c.dim(escapeLine(summary)));
    output.data(parts.join('  '));
    if (output.verbose) {
      const payload = typeof event.data === 'string' ? event.data : JSON.stringify(event.data, null, 2);
      output.data(c.dim(escapeControl(payload).replace(/^/gm, '    ')));
    }
  }
}
