import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/**
 * The single writer of a capture file. Each record is one whole line handed to one append-mode
 * stream: lines never interleave or tear, and lines queued while a write is in flight go out
 * together in one writev.
 */
export class CaptureWriter {
  private error: Error | undefined;
  private closing: Promise<void> | undefined;
  count = 0;

  private constructor(
    readonly path: string,
    private readonly stream: WriteStream,
  ) {
    stream.on('error', (error) => {
      this.error ??= error;
    });
  }

  /** Opens for appending; an unwritable path is a usage error (exit 2) before any work starts. */
  static async open(path: string): Promise<CaptureWriter> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'a', 0o600);
    } catch (error) {
      throw new UsageError(`cannot open capture file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    return new CaptureWriter(path, createWriteStream('', { fd: handle, autoClose: true, highWaterMark: 256 * 1024 }));
  }

  /** Resolves once the record is in the file. */
  write(record: unknown): Promise<void> {
    return this.writeLine(JSON.stringify(record));
  }

  /** Resolves once the line (one serialised record, no newline) is in the file. */
  writeLine(line: string): Promise<void> {
    if (this.error) return Promise.reject(this.error);
    if (this.closing) return Promise.reject(new Error(`capture file ${this.path} is closed`));
    this.count++;
    return new Promise((resolve, reject) => {
      this.stream.write(`${line}\n`, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Waits for queued lines, then closes the file. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.stream.destroyed) return resolve();
      this.stream.once('close', () => resolve());
      this.stream.end();
    });
    return this.closing;
  }
}
