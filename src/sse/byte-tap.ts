import { LastEventIdTracker } from './last-event-id.js';

/** What the tap saw, for the supervisor. */
interface TapObserver {
  /** Bytes arrived (idle timeout). */
  onBytes(): void;
  /** A `retry:` field's value (the reconnection time), read off the bytes. */
  onRetry(ms: number): void;
  /** The last event ID string changed (at the end of a block that had an `id` field; '' resets it). */
  onLastEventId?(id: string): void;
  /** Output backpressure: wait before reading more. */
  backpressure?(): Promise<void> | undefined;
  /** The body failed (connection reset) or grew too large. */
  onError?(error: unknown): void;
  /**
   * How the body ended: `error` undefined when it ended cleanly. When given, the tap reports the
   * end itself and its reader never sees it: the stream fails with an AbortError, which EventSource
   * takes as its own close (no error event, no reconnect timer of its own). The stream then pulls
   * only when its reader asks, so every chunk before the end was read (and its events dispatched).
   */
  onEnd?(error?: unknown): void;
}

export class EventTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`an SSE line or event is larger than ${bytes} bytes`);
  }
}

const CR = 0x0d;
const LF = 0x0a;
// SSE: a `retry` field whose value (one leading space removed) is only ASCII digits.
const RETRY = /^retry: ?(\d+)$/;
// The start of a line that may still become a `retry:` field once more bytes arrive.
const RETRY_PREFIX = /^(?:r(?:e(?:t(?:r(?:y(?::(?: ?\d*))?)?)?)?)?)$/;

/**
 * Sits between the HTTP body and EventSource:
 * - line endings become LF as they arrive. SSE: "Lines must be separated by either a U+000D
 *   CARRIAGE RETURN U+000A LINE FEED (CRLF) character pair, a single U+000A LINE FEED (LF)
 *   character, or a single U+000D CARRIAGE RETURN (CR) character" — so a message ending in CR CR
 *   is dispatched at once, not when the next byte shows that no LF follows;
 * - no line or event may exceed `maxBytes` (memory stays bounded whatever the server sends);
 * - `retry:` values are noted for the supervisor, which owns reconnection, and a value above
 *   `maxRetryMs` is rewritten to it: EventSource arms its own timer with the value, and one above
 *   2^31-1 ms overflows it (a TimeoutOverflowWarning, then a timer of 1 ms).
 */
export function tapEventStream(body: ReadableStream<Uint8Array>, maxBytes: number, maxRetryMs: number, observer: TapObserver): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let afterCR = false;
  let lineBytes = 0;
  let eventBytes = 0;
  let endedWithLF = false;
  // The start of a line cut by the chunk boundary that may be a `retry:` field: held back until
  // its line ends (EventSource acts on no line before its end), so a field is never split.
  let held: Buffer | undefined;
  let atLineStart = true;
  const ids = observer.onLastEventId ? new LastEventIdTracker(observer.onLastEventId) : undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // With onEnd, the end is the observer's to report, not the reader's to see.
        const ended = (error?: unknown): boolean => {
          if (!observer.onEnd) return false;
          observer.onEnd(error);
          controller.error(new DOMException('the event stream ended', 'AbortError'));
          return true;
        };
        const slow = observer.backpressure?.();
        if (slow) await slow;
        let result: Awaited<ReturnType<typeof reader.read>>;
        try {
          result = await reader.read();
        } catch (error) {
          observer.onError?.(error);
          if (ended(error)) return;
          throw error;
        }
        if (result.done) {
          // A held `retry` prefix is an unfinished line: the parser drops it at the end either way.
          if (ended()) return;
          if (held) controller.enqueue(held);
          controller.close();
          return;
        }
        observer.onBytes();
        let chunk = Buffer.from(result.value.buffer, result.value.byteOffset, result.value.byteLength);
        if (afterCR && chunk[0] === LF) chunk = chunk.subarray(1);
        afterCR = chunk.length > 0 && chunk[chunk.length - 1] === CR;
        if (chunk.indexOf(CR) !== -1) chunk = crToLf(chunk);
        // Native searches only: this runs for every chunk of every stream.
        const lastLF = chunk.lastIndexOf(LF);
        lineBytes = lastLF === -1 ? lineBytes + chunk.length : chunk.length - lastLF - 1;
        const blank = chunk.lastIndexOf('\n\n');
        const blankAtStart = endedWithLF && chunk[0] === LF ? 0 : -1;
        const eventEnd = blank !== -1 ? blank + 1 : blankAtStart;
        eventBytes = eventEnd === -1 ? eventBytes + chunk.length : chunk.length - eventEnd - 1;
        if (chunk.length > 0) endedWithLF = chunk[chunk.length - 1] === LF;
        if (lineBytes > maxBytes || eventBytes > maxBytes) {
          await reader.cancel().catch(() => {});
          const error = new EventTooLargeError(maxBytes);
          observer.onError?.(error);
          if (ended(error)) return;
          controller.error(error);
          return;
        }
        let out = held ? Buffer.concat([held, chunk]) : chunk;
        const startsLine = held ? true : atLineStart;
        held = undefined;
        const tail = out.lastIndexOf(LF) + 1;
        if (tail < out.length && (tail > 0 || startsLine) && RETRY_PREFIX.test(out.toString('latin1', tail, Math.min(out.length, tail + 64)))) {
          held = Buffer.from(out.subarray(tail));
          out = out.subarray(0, tail);
        }
        if (out.length === 0) return;
        out = capRetry(out, startsLine, maxRetryMs, observer);
        atLineStart = out[out.length - 1] === LF;
        ids?.feed(out);
        controller.enqueue(out);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    observer.onEnd ? { highWaterMark: 0 } : undefined,
  );
}

/** CRLF → LF and lone CR → LF (a CR at the end stands for a line end; a following LF is dropped by the caller). */
function crToLf(chunk: Buffer): Buffer {
  const out = Buffer.allocUnsafe(chunk.length);
  let n = 0;
  for (let i = 0; i < chunk.length; i++) {
    const byte = chunk[i]!;
    if (byte === CR) {
      out[n++] = LF;
      if (chunk[i + 1] === LF) i++;
    } else out[n++] = byte;
  }
  return out.subarray(0, n);
}

/**
 * Notes the `retry:` fields of whole lines (the chunk ends at a line end, or in a line that is no
 * retry field) and rewrites a value above `maxRetryMs` to it.
 */
function capRetry(chunk: Buffer, startsLine: boolean, maxRetryMs: number, observer: TapObserver): Buffer {
  const starts: number[] = [];
  if (startsLine && chunk.indexOf('retry:') === 0) starts.push(0);
  for (let at = chunk.indexOf('\nretry:'); at !== -1; at = chunk.indexOf('\nretry:', at + 1)) starts.push(at + 1);
  if (starts.length === 0) return chunk;
  const pieces: Buffer[] = [];
  let copied = 0;
  for (const start of starts) {
    const end = chunk.indexOf(LF, start);
    if (end === -1) break;
    const match = RETRY.exec(chunk.toString('latin1', start, end));
    if (!match) continue;
    const ms = Number(match[1]);
    observer.onRetry(Math.min(ms, maxRetryMs));
    if (ms <= maxRetryMs) continue;
    pieces.push(chunk.subarray(copied, start), Buffer.from(`retry:${maxRetryMs}`, 'latin1'));
    copied = end;
  }
  if (copied === 0) return chunk;
  pieces.push(chunk.subarray(copied));
  return Buffer.concat(pieces);
}
