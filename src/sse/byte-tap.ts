/** What the tap saw, for the supervisor. */
export interface TapObserver {
  /** Bytes arrived (idle timeout). */
  onBytes(): void;
  /** A `retry:` field's value (the reconnection time), read off the bytes. */
  onRetry(ms: number): void;
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
  // The first bytes of the current line: enough to recognise a `retry:` field.
  let linePrefix = '';
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
      const { done, value } = result;
      if (done) {
        controller.close();
        return;
      }
      observer.onBytes();
      let chunk = value;
      if (afterCR && chunk[0] === LF) chunk = chunk.subarray(1);
      afterCR = chunk.length > 0 && chunk[chunk.length - 1] === CR;
      if (chunk.indexOf(CR) !== -1) chunk = crToLf(chunk);
      const lastLF = chunk.lastIndexOf(LF);
      lineBytes = lastLF === -1 ? lineBytes + chunk.length : chunk.length - lastLF - 1;
      eventBytes = endOfEvent(chunk, endedWithLF, eventBytes);
      endedWithLF = chunk.length > 0 ? chunk[chunk.length - 1] === LF : endedWithLF;
      if (lineBytes > maxBytes || eventBytes > maxBytes) {
        await reader.cancel().catch(() => {});
        const error = new EventTooLargeError(maxBytes);
        observer.onError?.(error);
        controller.error(error);
        return;
      }
      linePrefix = noteRetry(chunk, linePrefix, observer);
      controller.enqueue(chunk);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

/** CRLF → LF and lone CR → LF (a CR at the end stands for a line end; a following LF is dropped by the caller). */
function crToLf(chunk: Uint8Array): Uint8Array {
  const out = new Uint8Array(chunk.length);
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

/** Bytes of the event under way after `chunk`: reset at each blank line (two LFs in a row). */
function endOfEvent(chunk: Uint8Array, previousEndedWithLF: boolean, before: number): number {
  let end = -1;
  for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) {
    if ((i === 0 && previousEndedWithLF) || (i > 0 && chunk[i - 1] === LF)) end = i;
  }
  return end === -1 ? before + chunk.length : chunk.length - end - 1;
}

function noteRetry(chunk: Uint8Array, prefix: string, observer: TapObserver): string {
  let current = prefix;
  let start = 0;
  for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, start)) {
    const line = current + (current.length < 24 ? Buffer.from(chunk.subarray(start, Math.min(i, start + 24))).toString('latin1') : '');
    const match = RETRY.exec(line);
    if (match) observer.onRetry(Number(match[1]));
    current = '';
    start = i + 1;
  }
  return current.length < 24 ? current + Buffer.from(chunk.subarray(start, Math.min(chunk.length, start + 24))).toString('latin1') : current;
}
