import type { ErrorCode } from '../../errors.js';
import type { Output } from '../output.js';

/** What went wrong: a CliError, or a failure a command returned as an exit code. */
interface Failure {
  code: ErrorCode;
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
