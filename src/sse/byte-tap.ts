import { LastEventIdTracker } from './last-event-id.js';

/** What the tap saw, for the supervisor. */
export interface TapObserver {
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
}

export class EventTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`an SSE line or event is larger than ${bytes} bytes`);
  }
}

const CR = 0x0d;
const LF = 0x0a;
const RETRY = /^retry:\s?(\d+)$/;

/**
 * Sits between the HTTP body and EventSource:
 * - line endings become LF as they arrive. SSE: "Lines must be separated by either a U+000D
 *   CARRIAGE RETURN U+000A LINE FEED (CRLF) character pair, a single U+000A LINE FEED (LF)
 *   character, or a single U+000D CARRIAGE RETURN (CR) character" — so a message ending in CR CR
 *   is dispatched at once, not when the next byte shows that no LF follows;
 * - no line or event may exceed `maxBytes` (memory stays bounded whatever the server sends);
 * - `retry:` values are noted for the supervisor, which owns reconnection.
 */
export function tapEventStream(body: ReadableStream<Uint8Array>, maxBytes: number, observer: TapObserver): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let afterCR = false;
  let lineBytes = 0;
  let eventBytes = 0;
  let endedWithLF = false;
  // The start of a line cut by the chunk boundary, for a `retry:` field split across chunks.
  let carry: string | null = '';
  const ids = observer.onLastEventId ? new LastEventIdTracker(observer.onLastEventId) : undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const slow = observer.backpressure?.();
      if (slow) await slow;
      let result: Awaited<ReturnType<typeof reader.read>>;
      try {
        result = await reader.read();
      } catch (error) {
        observer.onError?.(error);
        throw error;
      }
      if (result.done) {
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
        controller.error(error);
        return;
      }
      carry = noteRetry(chunk, carry, observer);
      ids?.feed(chunk);
      controller.enqueue(chunk);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
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
 * Notes `retry:` fields. `partial` is the start of the line the previous chunk ended in ('' at a
 * line start, null in a line that cannot be a retry field); returns the same for this chunk.
 */
function noteRetry(chunk: Buffer, partial: string | null, observer: TapObserver): string | null {
  const firstLF = chunk.indexOf(LF);
  if (partial !== null) {
    const head = partial + chunk.toString('latin1', 0, Math.min(firstLF === -1 ? chunk.length : firstLF, 32));
    if (firstLF === -1) return head.length <= 32 && 'retry:'.startsWith(head.slice(0, 6)) ? head : null;
    check(head, observer);
  }
  if (firstLF === -1) return null;
  for (let at = chunk.indexOf('\nretry:', firstLF); at !== -1; at = chunk.indexOf('\nretry:', at + 1)) {
    const end = chunk.indexOf(LF, at + 1);
    if (end === -1) break;
    check(chunk.toString('latin1', at + 1, end), observer);
  }
  const lastLF = chunk.lastIndexOf(LF);
  const rest = chunk.toString('latin1', lastLF + 1, Math.min(chunk.length, lastLF + 33));
  return 'retry:'.startsWith(rest.slice(0, 6)) && rest.length <= 32 ? rest : null;
}

function check(line: string, observer: TapObserver): void {
  const match = RETRY.exec(line);
  if (match) observer.onRetry(Number(match[1]));
}
