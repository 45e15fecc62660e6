import { readFileSync, readSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** The most stdin is read for one value: JSON bodies and offers are small. */
const MAX_STDIN = 64 * 1024 * 1024;

/**
 * Standard input, read synchronously. When stdin is a non-blocking pipe (`a | b` where `a` is
 * still writing), reads fail with EAGAIN until data arrives: wait briefly and read again.
 */
export function readStdinSync(): Buffer {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(65_536);
  let total = 0;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 10);
        continue;
      }
      if (code === 'EOF') break;
      throw new UsageError(`cannot read standard input: ${code ?? String(error)}`);
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_STDIN) throw new UsageError(`standard input is larger than ${MAX_STDIN / 1024 / 1024} MB`);
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

/** A value given inline, as `@file`, or as `-` / `@-` for standard input; `what` names it in errors. */
export function readBytesArgument(value: string, what: string): Buffer {
  if (value === '-' || value === '@-') return readStdinSync();
  if (!value.startsWith('@')) return Buffer.from(value, 'utf8');
  try {
    return readFileSync(value.slice(1));
  } catch (error) {
    throw new UsageError(`cannot read ${what} file ${value.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
