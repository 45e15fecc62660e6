import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { request, type Dispatcher } from 'undici';
import { CliError, ExitCode } from '../errors.js';
import { describeNetworkError, errorDetail, flattenHeaders } from '../http/client.js';
import { USER_AGENT } from '../version.js';
import { backoffDelay, parseRetryAfter } from '../shared/backoff.js';
import { RecentKeys } from '../shared/recent-keys.js';

/** Why a stream stopped for good. */
export class StreamError extends CliError {}

export interface StreamOptions {
  url: string;
  headers?: Record<string, string>;
  dispatcher?: Dispatcher;
  /** Consecutive failed attempts allowed before giving up (exit 1). */
  retries: number;
  /** Bound on each attempt, up to the response headers. */
  connectTimeoutMs: number;
  /** No bytes for this long → exit 124. 0 = never. */
  idleTimeoutMs?: number;
  /** Initial reconnect delay unless the server sends `retry:`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A 200 stream closing within this time with no event counts as an empty close. */
  emptyCloseWindowMs?: number;
  random?: () => number;
}

export interface StreamHooks {
  /** Every message not seen before; return true to stop following. */
  onMessage(message: EventSourceMessage): boolean | undefined;
  /** After each chunk: a promise to wait on before reading more (output backpressure). */
  backpressure?(): Promise<void> | undefined;
  /** A message dropped as a replay of one already delivered. */
  onDuplicate?(message: EventSourceMessage): void;
  /** Connection life: connected, reconnect scheduled. */
  onConnect?(info: { attempt: number }): void;
  /** `failures` counts consecutive failed attempts; 0 after a stream that delivered events ended. */
  onReconnect?(info: { failures: number; delayMs: number; reason: string }): void;
}

type AttemptResult = { kind: 'stopped' } | { kind: 'ended'; events: number; aliveMs: number } | { kind: 'retry'; reason: string; delayMs?: number; events: number };

const KEEP_ALIVE = '{}';

/**
 * Follows one SSE stream until a hook says stop, a fatal answer arrives, retries run out,
 * or `close()` is called. Built on eventsource-parser rather than EventSource because the
 * supervisor needs what EventSource hides: status codes, Retry-After, the content type and
 * when bytes arrive.
 */
export class SessionStream {
  private readonly controller = new AbortController();
  private readonly recent = new RecentKeys();
  private lastEventId: string | undefined;
  private retryMs: number;
  private lastByteAt = Date.now();
  private stopped = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleReject: ((error: Error) => void) | undefined;

  constructor(
    private readonly options: StreamOptions,
    private readonly hooks: StreamHooks,
  ) {
    this.retryMs = options.initialDelayMs ?? 500;
  }

  /** Stops following; `run()` then resolves. */
  close(): void {
    this.stopped = true;
    this.controller.abort();
  }

  /** Resolves when a hook stopped the stream; rejects with StreamError on a fatal end. */
  async run(): Promise<void> {
    const idle = new Promise<never>((_, reject) => (this.idleReject = reject));
    idle.catch(() => {});
    this.armIdle();
    try {
      await Promise.race([this.loop(), idle]);
    } finally {
      this.stopped = true;
      clearTimeout(this.idleTimer);
      this.controller.abort();
    }
  }

  private armIdle(): void {
    const idleMs = this.options.idleTimeoutMs;
    if (!idleMs) return;
    clearTimeout(this.idleTimer);
    const check = (): void => {
      const silent = Date.now() - this.lastByteAt;
      if (silent >= idleMs) {
        this.idleReject?.(new StreamError(`no data for ${Math.round(silent / 1000)}s (--idle-timeout)`, 'E_IDLE_TIMEOUT', ExitCode.TIMEOUT));
        this.controller.abort();
        return;
      }
      this.idleTimer = setTimeout(check, idleMs - silent);
    };
    this.idleTimer = setTimeout(check, idleMs);
  }

  private async loop(): Promise<void> {
    let failures = 0;
    let emptyCloses = 0;
    for (;;) {
      const result = await this.attempt(failures);
      if (result.kind === 'stopped' || this.stopped) return;
      // docs/providers.md: an unknown or expired session "answers 200 and then closes the stream at once".
      const empty = result.kind === 'ended' && result.events === 0 && result.aliveMs < (this.options.emptyCloseWindowMs ?? 5000);
      emptyCloses = empty ? emptyCloses + 1 : 0;
      if (emptyCloses >= 2) {
        throw new StreamError(`session not found or expired: ${this.options.url} closed before any event, twice in a row`, 'E_GONE', ExitCode.NOT_FOUND);
      }
      const reason = result.kind === 'ended' ? (empty ? 'stream closed before any event' : 'stream ended') : result.reason;
      // An attempt that delivered events was not a failure: the count of consecutive failures restarts.
      failures = result.events > 0 ? 0 : failures + 1;
      if (failures > this.options.retries) throw this.exhausted(reason);
      await this.wait(failures, reason, result.kind === 'retry' ? result.delayMs : undefined);
    }
  }

  private exhausted(reason: string): StreamError {
    const attempts = this.options.retries + 1;
    return new StreamError(`gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`, 'E_RETRIES', ExitCode.FAILURE);
  }

  private async wait(failures: number, reason: string, retryAfterMs: number | undefined): Promise<void> {
    const delayMs = retryAfterMs ?? backoffDelay(Math.max(0, failures - 1), { initialMs: this.retryMs, maxMs: this.options.maxDelayMs ?? 30_000, random: this.options.random });
    this.hooks.onReconnect?.({ failures, delayMs, reason });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delayMs);
      const signal = this.controller.signal;
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private requestHeaders(): Record<string, string> {
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
      'user-agent': USER_AGENT,
      ...this.options.headers,
    };
    // SSE spec: "If the event source's last event ID string is not the empty string, set Last-Event-ID".
    if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
    return headers;
  }

  private async attempt(failures: number): Promise<AttemptResult> {
    if (this.stopped) return { kind: 'stopped' };
    const attemptController = new AbortController();
    const abort = (): void => attemptController.abort();
    this.controller.signal.addEventListener('abort', abort, { once: true });
    const connectTimer = setTimeout(abort, this.options.connectTimeoutMs);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(this.options.url, {
        method: 'GET',
        headers: this.requestHeaders(),
        dispatcher: this.options.dispatcher,
        signal: attemptController.signal,
      });
    } catch (error) {
      clearTimeout(connectTimer);
      this.controller.signal.removeEventListener('abort', abort);
      if (this.stopped) return { kind: 'stopped' };
      const timedOut = attemptController.signal.aborted;
      const reason = timedOut ? `no response within ${this.options.connectTimeoutMs}ms (--connect-timeout)` : describeNetworkError(error);
      return { kind: 'retry', reason: `could not reach ${this.options.url}: ${reason}`, events: 0 };
    }
    clearTimeout(connectTimer);
    try {
      return await this.consume(response, failures);
    } finally {
      this.controller.signal.removeEventListener('abort', abort);
      attemptController.abort();
    }
  }

  private async consume(response: Dispatcher.ResponseData, failures: number): Promise<AttemptResult> {
    const status = response.statusCode;
    const headers = flattenHeaders(response.headers);
    if (status !== 200) {
      const body = await response.body.text().catch(() => '');
      return this.judgeHttpStatus(status, headers, body);
    }
    const contentType = headers['content-type'] ?? '';
    // SSE spec: a Content-Type other than text/event-stream "must fail the connection".
    if (!/^text\/event-stream\b/i.test(contentType.trim())) {
      response.body.destroy();
      throw new StreamError(`expected text/event-stream from ${this.options.url}, got ${contentType || 'no content type'}`, 'E_CONTENT_TYPE', ExitCode.FAILURE);
    }
    this.hooks.onConnect?.({ attempt: failures + 1 });
    const openedAt = Date.now();
    let events = 0;
    let stop = false;
    const parser = createParser({
      onEvent: (message) => {
        if (stop) return;
        // Last-Event-ID is remembered even for keep-alives, as EventSource does.
        if (message.id !== undefined) this.lastEventId = message.id;
        if (message.data === KEEP_ALIVE && message.event === undefined) return;
        events++;
        // Dedupe by id when the server sends ids, else by content (walt.id sends none).
        const key = message.id ? `\u0001${message.id}` : message.event === undefined ? message.data : `${message.event}\u0000${message.data}`;
        if (this.recent.seen(key)) {
          this.hooks.onDuplicate?.(message);
          return;
        }
        if (this.hooks.onMessage(message) === true) stop = true;
      },
      // SSE spec: "If the field value consists of only ASCII digits, ... set the event stream's reconnection time".
      onRetry: (ms) => {
        this.retryMs = ms;
      },
    });
    const decoder = new TextDecoder('utf-8');
    try {
      for await (const chunk of response.body) {
        this.lastByteAt = Date.now();
        parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
        if (stop) return { kind: 'stopped' };
        const slow = this.hooks.backpressure?.();
        if (slow) await slow;
      }
      parser.feed(decoder.decode());
    } catch (error) {
      if (this.stopped || stop) return { kind: 'stopped' };
      return { kind: 'retry', reason: `stream interrupted: ${describeNetworkError(error)}`, events };
    }
    if (stop) return { kind: 'stopped' };
    return { kind: 'ended', events, aliveMs: Date.now() - openedAt };
  }

  private judgeHttpStatus(status: number, headers: Record<string, string>, body: string): AttemptResult {
    const url = this.options.url;
    if (status === 401 || status === 403) {
      throw new StreamError(`authentication refused: ${status} from ${url}${messageOf(body)}`, 'E_AUTH', ExitCode.AUTH);
    }
    if (status === 404 || status === 410 || status === 204) {
      throw new StreamError(`session not found: ${status} from ${url}${messageOf(body)}`, 'E_NOT_FOUND', ExitCode.NOT_FOUND);
    }
    if (status === 429 || status === 503) {
      return { kind: 'retry', reason: `${status} from ${url}`, delayMs: parseRetryAfter(headers['retry-after']), events: 0 };
    }
    if (status >= 500) return { kind: 'retry', reason: `${status} from ${url}`, events: 0 };
    throw new StreamError(`unexpected ${status} from ${url}${messageOf(body)}`, `E_HTTP_${status}`, ExitCode.FAILURE);
  }
}

/** ": <detail>" of an error body, or nothing for an empty one. */
function messageOf(body: string): string {
  return body.trim() ? `: ${errorDetail(body)}` : '';
}
