import { open, type FileHandle } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/**
 * The single writer of a capture file. Each record is one line, and lines queued while a
 * write is in flight go out together in the next single write: lines never interleave or
 * tear, and the file sees one syscall per batch rather than per record.
 */
export class CaptureWriter {
  private queue: string[] = [];
  private waiters: (() => void)[] = [];
  private failures: ((error: Error) => void)[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;
  count = 0;

  private constructor(readonly path: string, private readonly handle: FileHandle) {}

  /** Opens for appending; an unwritable path is a usage error (exit 2) before any work starts. */
  static async open(path: string): Promise<CaptureWriter> {
    try {
      return new CaptureWriter(path, await open(path, 'a', 0o600));
    } catch (error) {
      throw new UsageError(`cannot open capture file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }

  /** Resolves once the record is in the file. */
  write(record: unknown): Promise<void> {
    return this.writeLine(JSON.stringify(record));
  }

  /** Resolves once the line (one serialised record, no newline) is in the file. */
  writeLine(line: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`capture file ${this.path} is closed`));
    this.queue.push(`${line}\n`);
    this.count++;
    const done = new Promise<void>((resolve, reject) => {
      this.waiters.push(resolve);
      this.failures.push(reject);
    });
    this.writing ??= this.flush();
    return done;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const text = this.queue.join('');
      const waiters = this.waiters;
      const failures = this.failures;
      this.queue = [];
      this.waiters = [];
      this.failures = [];
      try {
        await this.handle.appendFile(text);
        for (const resolve of waiters) resolve();
      } catch (error) {
        for (const reject of failures) reject(error as Error);
      }
    }
    this.writing = undefined;
  }

  /** Waits for queued lines, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing) await this.writing;
    await this.handle.sync().catch(() => {});
    await this.handle.close();
  }
}
