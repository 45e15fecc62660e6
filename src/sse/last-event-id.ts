const LF = 0x0a;
/** An `id` line longer than this is not tracked (the header it would become is refused by servers anyway). */
const MAX_ID_LINE = 64 * 1024;

/**
 * The event source's "last event ID string", read off the (LF-normalised) bytes as the SSE
 * standard defines it. The `eventsource` package reports an empty `id:` and no `id` alike
 * (MessageEvent.lastEventId ""), so a reset could not be told from "unchanged" after it.
 * Chunks without `id` lines cost one native search.
 */
export class LastEventIdTracker {
  /** The start of the current line when it may be an `id` field ('' at a line start, null when it cannot be). */
  private partial: string | null = '';
  /** An `id` field of the current block, applied when the block ends. */
  private pending: string | undefined;

  constructor(private readonly onChange: (lastEventId: string) => void) {}

  feed(chunk: Buffer): void {
    // Nothing pending and no line in this chunk starts with "id": only the unfinished last line matters.
    const carried = this.partial !== null && this.partial !== '';
    const idAtStart = this.partial === '' && chunk[0] === 0x69 && chunk[1] === 0x64;
    if (this.pending === undefined && !carried && !idAtStart && chunk.indexOf('\nid') === -1) {
      this.partial = lastLineStart(chunk, this.partial);
      return;
    }
    this.walk(chunk);
  }

  /** Line by line: `id` fields, and the blank lines that end blocks. */
  private walk(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, start)) {
      this.line(this.partial === null ? null : this.partial + chunk.toString('utf8', start, Math.min(nl, start + MAX_ID_LINE)), this.partial === '' && nl === start);
      this.partial = '';
      start = nl + 1;
    }
    this.partial = lastLineStart(chunk.subarray(start), this.partial);
  }

  private line(text: string | null, blank: boolean): void {
    if (blank) {
      // SSE, dispatch: "Set the last event ID string of the event source to the value of the last event ID buffer."
      if (this.pending !== undefined) this.onChange(this.pending);
      this.pending = undefined;
      return;
    }
    if (text === null || !(text === 'id' || text.startsWith('id:'))) return;
    let value = text.slice(3);
    // SSE: "Collect the characters on the line after the first U+003A COLON, … if value starts with a U+0020 SPACE, remove it."
    if (value.startsWith(' ')) value = value.slice(1);
    // SSE, id: "If the field value does not contain U+0000 NULL, then set the last event ID buffer to the field value."
    if (!value.includes('\0')) this.pending = value;
  }
}

/** The start of the unfinished last line when it may be an `id` field, else null. */
function lastLineStart(rest: Buffer, before: string | null): string | null {
  const lastLF = rest.lastIndexOf(LF);
  const head = lastLF === -1 ? before : '';
  if (head === null) return null;
  const tail = rest.toString('utf8', lastLF + 1, Math.min(rest.length, lastLF + 1 + MAX_ID_LINE));
  const line = head + tail;
  return line.length === 0 || 'id'.startsWith(line.slice(0, 2)) ? line : null;
}
