import { getGlobalDispatcher, type Dispatcher } from 'undici';
import type { RecordAt } from '../capture/reader.js';
import { describeNetworkError, flattenHeaders, MAX_SHOWN_RESPONSE_BYTES, readAtMost, type ExchangeTrace } from '../http/client.js';
import { backoffDelay, parseRetryAfter } from '../shared/backoff.js';
import { USER_AGENT } from '../version.js';
import type { OutgoingDelivery } from './delivery.js';

interface SendOptions {
  to: string;
  concurrency: number;
  /** Deliveries per second at most. */
  ratePerSec?: number;
  /** Replays the original gaps between records divided by this factor. */
  speed?: number;
  retries: number;
  timeoutMs: number;
  dispatcher?: Dispatcher;
  /** `-v`: sees each attempt's request and response. */
  trace?: ExchangeTrace;
}

export interface SendResult {
  index: number;
  file: string;
  line: number;
  id: string | null;
  type: string | null;
  status: number | null;
  ok: boolean;
  attempts: number;
  ms: number;
  error?: string;
}

export interface Planned {
  at: RecordAt;
  delivery: OutgoingDelivery;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Spaces the starts of deliveries: at most `rate` per second, and/or the captured gaps scaled
 * by `speed`. Starts are granted in file order, one after another.
 */
class Pacer {
  private chain: Promise<void> = Promise.resolve();
  private lastStart = 0;
  private lastCapturedAt: number | undefined;

  constructor(private readonly options: Pick<SendOptions, 'ratePerSec' | 'speed'>) {}

  wait(capturedAt: string): Promise<void> {
    const captured = Date.parse(capturedAt);
    const gapCaptured = this.options.speed && this.lastCapturedAt !== undefined && !Number.isNaN(captured) ? Math.max(0, captured - this.lastCapturedAt) / this.options.speed : 0;
    if (!Number.isNaN(captured)) this.lastCapturedAt = captured;
    const gapRate = this.options.ratePerSec ? 1000 / this.options.ratePerSec : 0;
    const gap = Math.max(gapCaptured, gapRate);
    this.chain = this.chain.then(async () => {
      const due = this.lastStart === 0 ? 0 : this.lastStart + gap - performance.now();
      if (due > 0) await sleep(due);
      this.lastStart = performance.now();
    });
    return this.chain;
  }
}

/** Sends every planned delivery; `onResult` sees each outcome as it completes. */
export async function sendAll(items: AsyncIterable<Planned> | Iterable<Planned>, options: SendOptions, onResult: (result: SendResult) => void): Promise<void> {
  // A sync source (records kept in memory) is read without an async generator step per record.
  const iterator: Iterator<Planned> | AsyncIterator<Planned> = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  const pacer = options.ratePerSec || options.speed ? new Pacer(options) : undefined;
  // The target is parsed once, not once per delivery (undici's request(url) parses its URL each call).
  const url = new URL(options.to);
  const target: Target = { origin: url.origin, path: `${url.pathname}${url.search}`, dispatcher: options.dispatcher ?? getGlobalDispatcher() };
  let index = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      const myIndex = ++index;
      if (pacer) await pacer.wait(next.value.at.record.receivedAt);
      onResult(await sendOne(myIndex, next.value, options, target));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
}

interface Target {
  origin: string;
  path: string;
  dispatcher: Dispatcher;
}

async function sendOne(index: number, planned: Planned, options: SendOptions, target: Target): Promise<SendResult> {
  const { at, delivery } = planned;
  const base = { index, file: at.file, line: at.line, id: delivery.id, type: at.record.type ?? null };
  let attempts = 0;
  for (;;) {
    attempts++;
    const started = performance.now();
    let status: number | null = null;
    let error: string | undefined;
    let retryAfterMs: number | undefined;
    try {
      const response = await target.dispatcher.request({
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers: { 'user-agent': USER_AGENT, ...delivery.headers },
        body: delivery.text ?? delivery.body,
        // Both undici timeouts bound the delivery; no AbortSignal timer per request is needed.
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      // The answer's body is only read for -v (its start); otherwise it is dropped unread.
      const answer = options.trace ? await readAtMost(response.body, MAX_SHOWN_RESPONSE_BYTES) : void (await response.body.dump());
      status = response.statusCode;
      options.trace?.({
        method: 'POST',
        url: options.to,
        requestHeaders: delivery.headers,
        requestBody: delivery.text ?? delivery.body,
        status,
        responseHeaders: flattenHeaders(response.headers),
        responseText: answer?.text,
        responseTruncated: answer?.truncated,
        ms: performance.now() - started,
      });
      const retryAfter = response.headers['retry-after'];
      retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
    } catch (err) {
      const code = (err as { code?: string }).code;
      error = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' ? `no answer within ${options.timeoutMs}ms` : describeNetworkError(err);
      options.trace?.({ method: 'POST', url: options.to, requestHeaders: delivery.headers, requestBody: delivery.text ?? delivery.body, ms: performance.now() - started, error });
    }
    const ms = performance.now() - started;
    const ok = status !== null && status >= 200 && status <= 299;
    // Retried: network errors, 5xx and 429. Other 4xx will not change by asking again.
    const retriable = status === null || status >= 500 || status === 429;
    if (ok || !retriable || attempts > options.retries) {
      return { ...base, status, ok, attempts, ms, error: error ?? (ok ? undefined : `HTTP ${status}`) };
    }
    await sleep(retryAfterMs ?? Math.max(50, backoffDelay(attempts - 1, { initialMs: 200, maxMs: 10_000 })));
  }
}
