import { createHash } from 'node:crypto';
import { EventSource } from 'eventsource';
import { type Dispatcher, fetch as undiciFetch } from 'undici';
import { CliError, type ErrorKind, ExitCode, exitCodeForStatus } from '../errors.js';
import { assertFetchable, describeNetworkError, errorDetail, type ExchangeTrace, MAX_SHOWN_RESPONSE_BYTES, neverConnected, readAtMost } from '../http/client.js';
import { findCause } from '../shared/cause.js';
import { backoffDelay, parseRetryAfter } from '../shared/backoff.js';
import { formatDuration, MAX_TIMER_MS, safeTimeout } from '../shared/duration.js';
import { RecentKeys } from '../shared/recent-keys.js';
import { maskUserinfo } from '../shared/url.js';
import { USER_AGENT } from '../version.js';
import { EventTooLargeError, tapEventStream } from './byte-tap.js';

/** Why a stream stopped for good. */
export class StreamError extends CliError {}

/** One dispatched SSE message: `event` is absent for the default type "message". */
export interface StreamMessage {
  data: string;
  event?: string;
  id?: string;
}

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
  /** Before the first successful connection, keep retrying refused connections this long (else fail at once). */
  waitForServerMs?: number;
  /** Largest line or event accepted (default 16 MB). */
  maxEventBytes?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A 200 stream closing within this time with no event counts as an empty close. */
  emptyCloseWindowMs?: number;
  random?: () => number;
  /** `-v`: sees each connection attempt's request and response headers (the stream body is the events). */
  trace?: ExchangeTrace;
}

export interface StreamHooks {
  /** Every message not seen before; return true to stop following. */
  onMessage(message: StreamMessage): boolean | undefined;
  /** Before each chunk is read: a promise to wait on (output backpressure). */
  backpressure?(): Promise<void> | undefined;
  /** walt.id's `{}` keep-alive (its first message, sent once the subscription is in place): not an event. */
  onKeepAlive?(): void;
  /** A message dropped as a replay of one already delivered. */
  onDuplicate?(message: StreamMessage): void;
  /** Connection life: connected, reconnect scheduled. */
  onConnect?(info: { attempt: number }): void;
  /**
   * `failures` counts consecutive failed attempts; 0 after a stream that delivered events ended.
   * `reasonKind`: what the reason is about, when a setting changes it (no response within the connect timeout).
   */
  onReconnect?(info: { failures: number; delayMs: number; reason: string; reasonKind?: ErrorKind }): void;
}

type AttemptResult =
  | { kind: 'stopped' }
  | { kind: 'ended'; events: number; messages: number; aliveMs: number }
  | { kind: 'retry'; reason: string; reasonKind?: ErrorKind; delayMs?: number; events: number; refused?: boolean };

const KEEP_ALIVE = '{}';
const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;
/** Retry-After, or a `retry:` field, beyond this is not waited out: this is waited instead. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** EventSource with an override that observes every dispatched event, named or not. */
class ObservedEventSource extends EventSource {
  observe: ((event: Event) => void) | undefined;
  override dispatchEvent(event: Event): boolean {
    this.observe?.(event);
    return super.dispatchEvent(event);
  }
}

/**
 * Follows one SSE stream, any URL (it knows nothing of sessions: tail's supervisor and check's
 * watch give it meaning), until a hook says stop, a fatal answer arrives, retries run out, or
 * `close()` is called. Each attempt sends its own request and judges the answer (status,
 * Retry-After, content type); only an open event stream is handed to an `EventSource` (the
 * `eventsource` package), which parses its bytes into messages after the tap (`byte-tap.ts`) has
 * seen them. This class keeps backoff, the retry budget, exit codes and dedupe.
 */
export class SseStream {
  private readonly controller = new AbortController();
  private readonly recent = new RecentKeys();
  private lastEventId: string | undefined;
  /** The server's reconnection time (`retry:`), the minimum wait before a reconnect. */
  private serverRetryMs: number | undefined;
  private lastByteAt = Date.now();
  private stopped = false;
  private everConnected = false;
  private readonly startedAt = Date.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private idleReject: ((error: Error) => void) | undefined;

  constructor(
    private readonly options: StreamOptions,
    private readonly hooks: StreamHooks,
  ) {}

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
        this.idleReject?.(new StreamError(`no data for ${Math.round(silent / 1000)}s`, 'E_IDLE_TIMEOUT', ExitCode.TIMEOUT));
        this.controller.abort();
        return;
      }
      this.idleTimer = safeTimeout(check, idleMs - silent);
    };
    this.idleTimer = safeTimeout(check, idleMs);
  }

  private get url(): string {
    return maskUserinfo(this.options.url);
  }

  private async loop(): Promise<void> {
    let failures = 0;
    let emptyCloses = 0;
    for (;;) {
      const result = await this.attempt(failures);
      if (result.kind === 'stopped' || this.stopped) return;
      // docs/providers.md: an unknown or expired session "answers 200 and then closes the stream at once".
      const empty = result.kind === 'ended' && result.messages === 0 && result.aliveMs < (this.options.emptyCloseWindowMs ?? 5000);
      emptyCloses = empty ? emptyCloses + 1 : 0;
      if (emptyCloses >= 2) {
        throw new StreamError(`session not found or expired: ${this.url} closed before any event, twice in a row`, 'E_GONE', ExitCode.NOT_FOUND);
      }
      this.failFast(result);
      const reason = result.kind === 'ended' ? (empty ? 'stream closed before any event' : 'stream ended') : result.reason;
      const reasonKind = result.kind === 'retry' ? result.reasonKind : undefined;
      // Only new events make an attempt a success: a connection that brought nothing but
      // replayed duplicates is a failed attempt (else `retry: 0` plus a replaying server storms).
      failures = result.events > 0 ? 0 : failures + 1;
      if (failures > this.options.retries) throw this.exhausted(reason, reasonKind);
      await this.wait(failures, reason, result.kind === 'retry' ? result.delayMs : undefined, reasonKind);
    }
  }

  /** Before the first successful connection, a refused connection or unknown host is fatal at once (unless a wait for the server was asked for). */
  private failFast(result: AttemptResult): void {
    if (this.everConnected || result.kind !== 'retry' || !result.refused) return;
    const waited = Date.now() - this.startedAt;
    if (waited < (this.options.waitForServerMs ?? 0)) return;
    // The words of a refused request that waited (http/client.ts); without a wait, the server may still be starting.
    if (this.options.waitForServerMs) throw new StreamError(`${result.reason} (waited ${formatDuration(waited)} for the server to start)`, 'E_UNREACHABLE', ExitCode.FAILURE);
    throw new StreamError(result.reason, 'E_UNREACHABLE', ExitCode.FAILURE, { kind: 'server-not-started' });
  }

  private exhausted(reason: string, reasonKind: ErrorKind | undefined): StreamError {
    const attempts = this.options.retries + 1;
    return new StreamError(`gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`, 'E_RETRIES', ExitCode.FAILURE, { kind: reasonKind });
  }

  private async wait(failures: number, reason: string, retryAfterMs: number | undefined, reasonKind: ErrorKind | undefined): Promise<void> {
    // SSE: the reconnection time is the minimum wait; jitter is added on top, never below it.
    const jitter = backoffDelay(Math.max(0, failures - 1), {
      initialMs: this.options.initialDelayMs ?? 500,
      maxMs: this.options.maxDelayMs ?? 30_000,
      random: this.options.random,
    });
    let delayMs = retryAfterMs ?? (this.serverRetryMs ?? 0) + jitter;
    if (retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_MS) delayMs = MAX_RETRY_AFTER_MS;
    delayMs = Math.min(delayMs, MAX_TIMER_MS);
    this.hooks.onReconnect?.({ failures, delayMs, reason, reasonKind });
    await new Promise<void>((resolve) => {
      const signal = this.controller.signal;
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = safeTimeout(done, delayMs);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * One connection attempt: open it (this class's own request), judge the answer, then read the
   * events of an open stream. EventSource only ever sees a 200 event stream that was judged open.
   */
  private async attempt(failures: number): Promise<AttemptResult> {
    if (this.stopped) return { kind: 'stopped' };
    const attemptAbort = new AbortController();
    const onStop = (): void => attemptAbort.abort();
    this.controller.signal.addEventListener('abort', onStop, { once: true });
    try {
      const opened = await this.open(attemptAbort);
      if (this.stopped) return { kind: 'stopped' };
      if ('kind' in opened) return opened;
      this.everConnected = true;
      this.hooks.onConnect?.({ attempt: failures + 1 });
      return await this.read(opened.body, attemptAbort);
    } finally {
      this.controller.signal.removeEventListener('abort', onStop);
      attemptAbort.abort();
    }
  }

  /**
   * Sends the request (the tool's dispatcher and headers, Last-Event-ID, bounded by the connect
   * timeout) and judges the answer: an open event stream's body, or how the attempt ended.
   */
  private async open(attempt: AbortController): Promise<{ body: ReadableStream<Uint8Array> } | AttemptResult> {
    const headers = new Headers({ 'user-agent': USER_AGENT, 'cache-control': 'no-cache', accept: 'text/event-stream' });
    for (const [name, value] of Object.entries(this.options.headers ?? {})) headers.set(name, value);
    // SSE: "set `Last-Event-ID` to the last event ID string, encoded as UTF-8" — a header value is
    // bytes, so the UTF-8 bytes travel as Latin-1 characters (fetch refuses other characters).
    if (this.lastEventId) headers.set('last-event-id', Buffer.from(this.lastEventId, 'utf8').toString('latin1'));
    else headers.delete('last-event-id');
    let timedOut = false;
    const connectTimer = safeTimeout(() => {
      timedOut = true;
      attempt.abort();
    }, this.options.connectTimeoutMs);
    const url = withoutUserinfo(new URL(this.options.url).href, headers);
    const started = performance.now();
    try {
      assertFetchable(url);
      // Redirects are followed; fetch drops Authorization when a redirect leaves the origin.
      const response = await undiciFetch(url, { method: 'GET', headers: headers as never, redirect: 'follow', dispatcher: this.options.dispatcher, signal: attempt.signal });
      const status = response.status;
      const contentType = response.headers.get('content-type') ?? undefined;
      // An error answer is shown in one line: its start is read, never an endless body.
      let text: string | undefined;
      if (status !== 200 || !response.body) {
        text = response.body ? (await readAtMost(response.body as AsyncIterable<Uint8Array>, MAX_SHOWN_RESPONSE_BYTES).catch(() => ({ text: '' }))).text : '';
      }
      this.options.trace?.({
        method: 'GET',
        url: response.url || url,
        requestHeaders: Object.fromEntries(headers),
        status,
        responseHeaders: Object.fromEntries(response.headers),
        responseText: text,
        ms: performance.now() - started,
      });
      if (status !== 200) return this.judgeHttpStatus(status, response.headers.get('retry-after') ?? undefined, text ?? '', 0);
      // SSE spec: a Content-Type other than text/event-stream "must fail the connection".
      if (!/^text\/event-stream\b/i.test((contentType ?? '').trim())) {
        throw new StreamError(`expected text/event-stream from ${this.url}, got ${contentType || 'no content type'}`, 'E_CONTENT_TYPE', ExitCode.FAILURE);
      }
      if (!response.body) return { kind: 'ended', events: 0, messages: 0, aliveMs: 0 };
      return { body: response.body as ReadableStream<Uint8Array> };
    } catch (error) {
      if (error instanceof StreamError) throw error;
      this.options.trace?.({ method: 'GET', url, requestHeaders: Object.fromEntries(headers), ms: performance.now() - started, error: describeNetworkError(error) });
      if (this.stopped) return { kind: 'stopped' };
      // A typed error (a port fetch refuses) says itself why no attempt can succeed: not retried.
      if (error instanceof CliError) throw error;
      if (timedOut)
        return { kind: 'retry', reason: `could not reach ${this.url}: no response within ${this.options.connectTimeoutMs}ms`, reasonKind: 'connect-timeout', events: 0 };
      return { kind: 'retry', reason: `could not reach ${this.url}: ${describeNetworkError(error)}`, events: 0, refused: neverConnected(error) };
    } finally {
      clearTimeout(connectTimer);
    }
  }

  /**
   * Reads the events of an open stream: its bytes go through the tap (idle time, `retry:`, the
   * last event ID, the size bound, line endings), EventSource parses them into messages. The tap
   * reports how the body ended; EventSource never sees the end, so it never schedules a reconnect.
   */
  private read(body: ReadableStream<Uint8Array>, attemptAbort: AbortController): Promise<AttemptResult> {
    const openedAt = Date.now();
    let events = 0;
    let messages = 0;
    let source: ObservedEventSource | undefined;
    return new Promise<AttemptResult>((resolve, reject) => {
      let settled = false;
      // `outcome` may throw a StreamError (a fatal answer): it rejects the attempt.
      const finish = (outcome: () => AttemptResult): void => {
        if (settled) return;
        settled = true;
        attemptAbort.signal.removeEventListener('abort', onStop);
        source?.close();
        try {
          resolve(outcome());
        } catch (error) {
          reject(error);
        }
      };
      const ended = (error: unknown): AttemptResult => {
        if (this.stopped) return { kind: 'stopped' };
        if (error instanceof EventTooLargeError || isTooLarge(error)) {
          const size = error instanceof EventTooLargeError ? error.bytes : (this.options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES);
          throw new StreamError(`an event from ${this.url} is larger than ${size} bytes`, 'E_TOO_LARGE', ExitCode.FAILURE);
        }
        if (error !== undefined) return { kind: 'retry', reason: `stream interrupted: ${describeNetworkError(error)}`, events };
        return { kind: 'ended', events, messages, aliveMs: Date.now() - openedAt };
      };
      const onStop = (): void => finish(() => ({ kind: 'stopped' }));
      attemptAbort.signal.addEventListener('abort', onStop, { once: true });
      const tapped = tapEventStream(body, this.options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES, MAX_RETRY_AFTER_MS, {
        onBytes: () => {
          this.lastByteAt = Date.now();
        },
        // SSE: "If the field value consists of only ASCII digits, … set the event stream's reconnection time".
        onRetry: (ms) => {
          this.serverRetryMs = ms;
        },
        // SSE: the last event ID string, which an empty `id:` resets (then no Last-Event-ID is sent).
        onLastEventId: (id) => {
          this.lastEventId = id === '' ? undefined : id;
        },
        backpressure: () => this.hooks.backpressure?.(),
        onEnd: (error) => finish(() => ended(error)),
      });
      // EventSource reads the stream this attempt opened: its one fetch is answered with that body
      // (judged already: status 200, an event stream).
      let handedOver = false;
      source = new ObservedEventSource(this.options.url, {
        fetch: (async () => {
          if (handedOver) throw new Error('the stream was read already');
          handedOver = true;
          return new Response(tapped, { status: 200, headers: { 'content-type': 'text/event-stream' } });
        }) as typeof fetch,
      });
      source.observe = (event) => {
        if (settled) return;
        // Not expected (the tap reports every end); were it to come, EventSource has armed a
        // reconnect timer right after dispatching it, which its close() below would not clear yet.
        if (event.type === 'error') {
          const it = source!;
          queueMicrotask(() => it.close());
          finish(() => ended(new Error('the event stream failed')));
        } else if (event instanceof MessageEvent) {
          messages++;
          try {
            const outcome = this.onMessage(event);
            if (outcome === 'new') events++;
            if (outcome === 'stop') finish(() => ({ kind: 'stopped' }));
          } catch (error) {
            finish(() => {
              throw error;
            });
          }
        }
      };
    });
  }

  private onMessage(event: MessageEvent): 'new' | 'skip' | 'stop' {
    const message: StreamMessage = { data: String(event.data), event: event.type === 'message' ? undefined : event.type, id: event.lastEventId || undefined };
    // Last-Event-ID is not taken from here: the tap tracks it off the bytes (an empty `id:` resets it).
    if (message.data === KEEP_ALIVE && message.event === undefined) {
      this.hooks.onKeepAlive?.();
      return 'skip';
    }
    if (this.recent.seen(dedupeKey(message))) {
      this.hooks.onDuplicate?.(message);
      return 'skip';
    }
    return this.hooks.onMessage(message) === true ? 'stop' : 'new';
  }

  private judgeHttpStatus(status: number, retryAfter: string | undefined, body: string, events: number): AttemptResult {
    const url = this.url;
    // The exit code of a refused or missing resource is errors.ts's (exitCodeForStatus); the stream adds 204.
    const exitCode = exitCodeForStatus(status);
    if (exitCode === ExitCode.AUTH) throw new StreamError(`authentication refused: ${status} from ${url}${messageOf(body)}`, 'E_AUTH', exitCode);
    if (exitCode === ExitCode.NOT_FOUND) throw new StreamError(`session not found: ${status} from ${url}${messageOf(body)}`, 'E_NOT_FOUND', exitCode);
    // SSE: HTTP 204 No Content "must fail the connection" — the server says there is nothing more.
    if (status === 204) throw new StreamError(`the server has no more events for this stream: 204 from ${url}`, 'E_NO_CONTENT', ExitCode.NOT_FOUND);
    if (status === 429 || status === 503) {
      return { kind: 'retry', reason: `${status} from ${url}`, delayMs: parseRetryAfter(retryAfter), events };
    }
    if (status >= 500) return { kind: 'retry', reason: `${status} from ${url}`, events };
    throw new StreamError(`unexpected ${status} from ${url}${messageOf(body)}`, `E_HTTP_${status}`, exitCode);
  }
}

function isTooLarge(error: unknown): boolean {
  return findCause(error, (e) => e instanceof EventTooLargeError) !== undefined;
}

/**
 * Dedupe by id when the server sends ids, else by content (walt.id sends none). Keys are
 * hashed when long, so the dedupe window (1,024 keys) holds at most ~1 MB, not whole payloads.
 */
function dedupeKey(message: StreamMessage): string {
  const raw = message.id !== undefined ? `\u0001${message.id}` : message.event === undefined ? message.data : `${message.event}\u0000${message.data}`;
  // Up to 1 KB is kept as is (hashing every envelope costs more than it saves); longer keys are hashed.
  return raw.length <= 1024 ? raw : createHash('sha256').update(raw).digest('base64');
}

/** ": <detail>" of an error body, or nothing for an empty one. */
function messageOf(body: string): string {
  return body.trim() ? `: ${errorDetail(body)}` : '';
}

/**
 * `http://user:pass@host/…`: fetch refuses credentials in URLs, so they become Basic auth (as
 * curl does) unless an Authorization header is already set; messages never show them.
 */
function withoutUserinfo(href: string, headers: Headers): string {
  const url = new URL(href);
  if (!url.username && !url.password) return href;
  if (!headers.has('authorization')) {
    headers.set('authorization', `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`);
  }
  url.username = '';
  url.password = '';
  return url.href;
}
