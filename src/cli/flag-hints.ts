import type { ErrorCode, ErrorKind } from '../errors.js';

/**
 * Engines say what went wrong in their own words, with a stable code and, where the code alone
 * does not say which setting changes it, a kind (errors.ts). Which flag changes it is the CLI's
 * knowledge: this one table, applied where the CLI shows a failure (handleError in cli.ts, the
 * error record `offer create --json` prints, a tail's end, a reconnect, a refused delivery).
 * Every kind has its hint; a code or kind that does not exist does not compile.
 */
export const FLAG_HINTS: { readonly [K in ErrorKind]: string } & { readonly [K in ErrorCode]?: string } = {
  'plain-http': ', or --insecure for a test issuer',
  deadline: ' (--timeout)',
  'key-not-found': ' (--allow-unverified accepts a credential whose issuer key cannot be found)',
  'tx-code-missing': ': pass --tx-code',
  'configuration-not-offered': '; --credential takes the offered ones',
  'server-not-started': ' (pass --wait-for-server <duration> if it is still starting)',
  'connect-timeout': ' (--connect-timeout)',
  'token-missing': ': pass --token or set ISSUER_EVENTS_TOKEN',
  'profiles-unlisted': ': name them with --profile <id>',
  'body-too-large': ' (--max-body)',
  E_IDLE_TIMEOUT: ' (--idle-timeout)',
  E_TOO_LARGE: ' (--max-event-size)',
};

/** Where a command's flag for the same setting has another name (the words of the command). */
const COMMAND_HINTS: { readonly [command: string]: { readonly [K in ErrorKind]?: string } } = {
  // offer create's --tx-code asks the issuer for a code; the code its wallet sends is --claim-tx-code.
  'offer create': { 'tx-code-missing': ': pass --claim-tx-code' },
};

/** What the CLI needs to know of a failure to name the flag that changes it. */
interface Described {
  code?: ErrorCode;
  kind?: ErrorKind;
}

/** The flag that changes this failure in `command` (e.g. 'offer create'), as the end of its line ('' when there is none). */
export function flagHint(failure: Described, command?: string): string {
  const own = failure.kind && command ? COMMAND_HINTS[command]?.[failure.kind] : undefined;
  return own || (failure.kind && FLAG_HINTS[failure.kind]) || (failure.code && FLAG_HINTS[failure.code]) || '';
}

/** The line the user sees for an error: the engine's message, then the flag that changes it. */
export function withFlagHint(error: { message: string } & Described, command?: string): string {
  return `${error.message}${flagHint(error, command)}`;
}
