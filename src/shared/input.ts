import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** A value given inline, as `@file`, or as `-` / `@-` for standard input; `what` names it in errors. */
export function readBytesArgument(value: string, what: string): Buffer {
  if (value === '-' || value === '@-') return readFileSync(0);
  if (!value.startsWith('@')) return Buffer.from(value, 'utf8');
  try {
    return readFileSync(value.slice(1));
  } catch (error) {
    throw new UsageError(`cannot read ${what} file ${value.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
