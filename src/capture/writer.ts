import { writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { type CaptureRecord, serializeRecord } from './record.js';

type FileHandle = Awaited<ReturnType<typeof open>>;

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** Resolves in the event loop's next check phase, after the I/O callbacks of this turn. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The single writer of a capture file. Lines queued in one turn of the event loop (or, with
 * fsync, while a write is in flight) go out together in one write. A write is whole lines or
 * nothing: when it fails (disk full), the file is cut back to its last complete line, that
 * write's callers are told, and the next write tries again — capture resumes once the disk has
 * room. `failures` counts failed writes (exit 1 at the end).
 */
export class CaptureWriter {
  private readonly queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Bytes known to be in the file: where a failed write is truncated back to. */
  private size: number;
  count = 0;
  failures = 0;
  lastError: Error | undefined;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    size: number,
    private readonly fsync: boolean,
  ) {
    this.size = size;
  }

  /** Opens for appending; an unwritable path is a usage error (exit 2) before any work starts. */
  static async open(path: string, options: { fsync?: boolean } = {}): Promise<CaptureWriter> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'a', 0o600);
    } catch (error) {
      throw new UsageError(`cannot open capture file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const { size } = await handle.stat();
    return new CaptureWriter(path, handle, size, Boolean(options.fsync));
  }

  /** Resolves once the record is in the file. */
  write(record: CaptureRecord): Promise<void> {
    return this.writeLine(serializeRecord(record));
  }

  /** Resolves once the line (one serialised record, no newline) is in the file (and synced with fsync). */
  writeLine(line: string): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`capture file ${this.path} is closed`));
    return new Promise((resolve, reject) => {
      this.queue.push({ line, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // The lines queued in this turn of the event loop (a burst of deliveries) go out in one write.
      if (!this.fsync) await nextTurn();
      const batch = this.queue.splice(0, this.queue.length);
      let text = '';
      for (const p of batch) text += `${p.line}\n`;
      const bytes = Buffer.from(text, 'utf8');
      try {
        if (this.fsync) {
          await this.writeAll(bytes);
          await this.handle.sync();
        } else {
          // An append to the page cache takes microseconds: written here, it costs no round trip
          // through the thread pool (two thread switches per batch). --fsync waits for the disk,
          // so it stays off the event loop.
          this.writeAllNow(bytes);
        }
        this.size += bytes.length;
        this.count += batch.length;
        for (const p of batch) p.resolve();
      } catch (error) {
        this.failures++;
        this.lastError = error as Error;
        // Whole lines or nothing: a torn last line would make the file unreadable to replay.
        await this.handle.truncate(this.size).catch(() => {});
        for (const p of batch) p.reject(error as Error);
      }
    }
    this.writing = undefined;
  }

  private writeAllNow(bytes: Buffer): void {
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(this.handle.fd, bytes, offset, bytes.length - offset);
  }

  private async writeAll(bytes: Buffer): Promise<void> {
    for (let offset = 0; offset < bytes.length; ) {
      const { bytesWritten } = await this.handle.write(bytes, offset, bytes.length - offset, null);
      offset += bytesWritten;
    }
  }

  /** Waits for queued lines, then closes the file. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.writing) await this.writing;
      await this.handle.close().catch(() => {});
    })();
    return this.closing;
  }
}
