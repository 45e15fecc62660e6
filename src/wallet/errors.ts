import { CliError, type ErrorCode, type ErrorKind, ExitCode } from '../errors.js';

import type { ClaimStepName } from './steps.js';

export type { ClaimStepName };

/**
 * A claim that failed at a step. The exit code says why: 3 the issuer refused (an OAuth error
 * such as invalid_grant or invalid_proof), 4 authentication refused, 5 offer unknown or expired,
 * 1 network or protocol failure, 2 bad input.
 */
export class ClaimError extends CliError {
  readonly step: ClaimStepName;
  /** The issuer's OAuth `error` and `error_description`, when it sent them. */
  readonly oauthError?: { error: string; error_description?: string };
  readonly status?: number;

  constructor(
    step: ClaimStepName,
    message: string,
    exitCode: number,
    /** `kind`: what happened, for the command to add the flag that changes it (cli/flag-hints.ts). */
    extra: { oauthError?: { error: string; error_description?: string }; status?: number; cause?: unknown; kind?: ErrorKind } = {},
  ) {
    super(`${step}: ${message}`, `E_CLAIM_${step.toUpperCase().replaceAll('-', '_')}` as ErrorCode, exitCode, { cause: extra.cause, kind: extra.kind });
    this.step = step;
    this.oauthError = extra.oauthError;
    this.status = extra.status;
  }
}

export const refused = (step: ClaimStepName, oauthError: { error: string; error_description?: string }, status?: number): ClaimError =>
  new ClaimError(step, `the issuer refused: ${oauthError.error}${oauthError.error_description ? ` (${oauthError.error_description})` : ''}`, ExitCode.UNSUCCESSFUL, {
    oauthError,
    status,
  });

/**
 * Credentials were issued but the wallet cannot trust them (exit 6): the claim's result comes
 * along, so that what was received can still be shown beside why it failed.
 */
export class UntrustedCredentialError<R = unknown> extends ClaimError {
  constructor(
    readonly result: R,
    failures: { configurationId: string; format: string; reason: string }[],
    keyNotFound: boolean,
  ) {
    const [first] = failures;
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more credential${failures.length > 2 ? 's' : ''})` : '';
    super('decode', `${first!.configurationId} (${first!.format}) cannot be trusted: ${first!.reason}${more}`, ExitCode.INVALID_SIGNATURE, {
      kind: keyNotFound ? 'key-not-found' : undefined,
    });
  }
}
