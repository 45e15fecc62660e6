import type { CaptureRecord } from '../capture/record.js';

/** One record as the inspector holds it: a sequence number, and its JSON line (sent to pages as is). */
export interface StoredRecord {
  seq: number;
  /** The record, parsed again from `line` each time it is read (replay): only the line is held. */
  readonly record: CaptureRecord;
  /** `{"seq":…,"origin":…,"record":{…}}`: serialised once, sent to every page. */
  line: string;
  /** What the store selects by, kept beside the line. */
  source: CaptureRecord['source'];
  sessionId: string | null;
}

/**
 * Held as its line only: a parsed record of many small members takes several times its JSON
 * size, and keeping both is what a 400 MB capture turned into ~870 MB.
 */
class LineRecord implements StoredRecord {
  constructor(
    readonly seq: number,
    readonly line: string,
    readonly source: CaptureRecord['source'],
    readonly sessionId: string | null,
  ) {}

  get record(): CaptureRecord {
    return (JSON.parse(this.line) as { record: CaptureRecord }).record;
  }
}

/** Bytes a record costs the store besides its line (the object, its fields, the array slot). */
const RECORD_OVERHEAD = 128;

/** What a line takes in memory: V8 keeps a string one byte a character when every character fits, else two. */
function heldBytes(line: string): number {
  return (/[^\u0000-\u00ff]/.test(line) ? 2 * line.length : line.length) + RECORD_OVERHEAD;
}

interface StoreLimits {
  /** Records kept at most; the oldest go first (default 50,000). */
  maxRecords?: number;
  /** Bytes held at most (default 256 MB): each record's line as it sits in memory, plus its bookkeeping. */
  maxBytes?: number;
}

type Listener = (stored: StoredRecord) => void;

/**
 * What the inspector shows: every record from listen, the sandbox or capture files, in arrival
 * order. Bounded in records and in the bytes it actually holds (a long `listen --ui` run, or a
 * capture of any size, cannot grow it without end): the oldest records are dropped first, and
 * `dropped` says how many.
 */
export class RecordStore {
  private readonly records: StoredRecord[] = [];
  private head = 0;
  private bytes = 0;
  private nextSeq = 1;
  private readonly listeners = new Set<Listener>();
  dropped = 0;
  private readonly maxRecords: number;
  private readonly maxBytes: number;

  constructor(limits: StoreLimits = {}) {
    this.maxRecords = limits.maxRecords ?? 50_000;
    this.maxBytes = limits.maxBytes ?? 256 * 1024 * 1024;
  }

  /** Adds a record; `origin` says where it came from (`file:line`, `listen`, `sandbox`). */
  add(record: CaptureRecord, origin: string): StoredRecord {
    const seq = this.nextSeq++;
    const stored = new LineRecord(seq, serialise(seq, origin, record), record.source, typeof record.sessionId === 'string' ? record.sessionId : null);
    this.records.push(stored);
    this.bytes += heldBytes(stored.line);
    while (this.size > this.maxRecords || (this.bytes > this.maxBytes && this.size > 1)) this.dropOldest();
    for (const listener of this.listeners) listener(stored);
    return stored;
  }

  get size(): number {
    return this.records.length - this.head;
  }

  /** Every record kept, oldest first. */
  all(): StoredRecord[] {
    return this.records.slice(this.head);
  }

  /** The records after `seq`, oldest first, found by index (no copy, no scan from the start). */
  *after(seq: number): Generator<StoredRecord> {
    const first = this.records[this.head]?.seq;
    if (first === undefined) return;
    for (let i = this.head + Math.max(0, seq + 1 - first); i < this.records.length; i++) yield this.records[i]!;
  }

  get(seq: number): StoredRecord | undefined {
    // Sequence numbers are dense: the index is found by arithmetic, not by a search.
    const first = this.records[this.head]?.seq;
    if (first === undefined) return undefined;
    return this.records[this.head + (seq - first)];
  }

  bySession(sessionId: string): StoredRecord[] {
    return this.all().filter((stored) => stored.sessionId === sessionId);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dropOldest(): void {
    const oldest = this.records[this.head]!;
    this.records[this.head] = undefined as unknown as StoredRecord;
    this.head++;
    this.bytes -= heldBytes(oldest.line);
    this.dropped++;
    // Compact now and then so the array does not keep its dead prefix forever.
    if (this.head > 4096 && this.head * 2 > this.records.length) {
      this.records.splice(0, this.head);
      this.head = 0;
    }
  }
}

function serialise(seq: number, origin: string, record: CaptureRecord): string {
  try {
    return JSON.stringify({ seq, origin, record });
  } catch {
    // A payload too deep to serialise (listen keeps those as text, but be safe): shown as a note.
    return JSON.stringify({ seq, origin, record: { ...record, data: '[payload nested too deeply to show]' } });
  }
}
