import { ExitCode } from '../../errors.js';
import type { Output } from '../output.js';

/** What went wrong: a CliError, or a failure a command returned as an exit code. */
interface Failure {
  code: string;
  message: string;
  exitCode: number;
}

/**
 * The last record of a failed run with --json, so that a script reading only stdout sees why:
 * `{"kind":"error","code","message","exit"}`. `code` is the error's stable code (E_HTTP_404,
 * E_CLAIM_TOKEN, …), `message` the line stderr shows, `exit` the process's exit code.
 */
export function renderErrorRecord(output: Output, failure: Failure): void {
  output.record({ kind: 'error', code: failure.code, message: failure.message, exit: failure.exitCode });
}

/** The code of a failure that was returned, not thrown: E_ and the exit code's name (E_TIMEOUT, E_UNSUCCESSFUL). */
export function codeForExit(exitCode: number): string {
  const name = Object.entries(ExitCode).find(([, value]) => value === exitCode)?.[0];
  return `E_${name ?? 'FAILURE'}`;
}
