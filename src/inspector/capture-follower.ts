import { open, type FileHandle } from 'node:fs/promises';
import { parseRecordLine } from '../capture/reader.js';
import type { CaptureRecord } from '../capture/record.js';

interface FollowerHooks {
  record(record: CaptureRecord, line: number): void;
  invalid(line: number, why: string): void;
}

/** A line longer than this is skipped (counted invalid), so a runaway file cannot exhaust memory. */
const MAX_LINE = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const POLL_MS = 500;

/**
 * Reads a capture file, then keeps reading what is appended (`listen --save` or `tail --save`
 * still running), like `tail -f`: only whole lines, byte offsets kept, a truncated file read again.
 */
export class CaptureFollower {
  private offset = 0;
  private line = 0;
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private skipping = false;
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly hooks: FollowerHooks,
  ) {}

  /** Reads what the file holds now; rejects when it cannot be opened. */
  async readAll(): Promise<void> {
    const handle = await open(this.file, 'r');
    try {
      await this.readFrom(handle);
    } finally {
      await handle.close();
    }
  }

  /** Polls for appended bytes until stop(). */
  follow(): void {
    this.timer = setInterval(() => {
      this.reading = this.reading.then(() => this.poll()).catch(() => {});
    }, POLL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(this.file, 'r');
    } catch {
      return; // Moved or not there yet: tried again at the next poll.
    }
    try {
      const { size } = await handle.stat();
      if (size < this.offset) {
        // Truncated or replaced: start over, as tail -F does.
        this.offset = 0;
        this.line = 0;
        this.partial = [];
        this.partialBytes = 0;
      }
      if (size > this.offset) await this.readFrom(handle);
    } finally {
      await handle.close();
    }
  }

  private async readFrom(handle: FileHandle): Promise<void> {
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, this.offset);
      if (bytesRead === 0) return;
      this.offset += bytesRead;
      this.take(buffer.subarray(0, bytesRead));
    }
  }

  private take(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.partial.push(chunk.subarray(start, nl));
      const text = this.skipping ? undefined : Buffer.concat(this.partial).toString('utf8');
      this.line++;
      if (text === undefined) this.hooks.invalid(this.line, `line longer than ${MAX_LINE} bytes`);
      else if (text.trim() !== '') this.parse(text);
      this.partial = [];
      this.partialBytes = 0;
      this.skipping = false;
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.partialBytes += chunk.length - start;
      if (this.partialBytes > MAX_LINE) {
        this.skipping = true;
        this.partial = [];
      } else this.partial.push(Buffer.from(chunk.subarray(start)));
    }
  }

  private parse(text: string): void {
    const parsed = parseRecordLine(text);
    if ('why' in parsed) this.hooks.invalid(this.line, parsed.why);
    else this.hooks.record(parsed.record, this.line);
  }
}
