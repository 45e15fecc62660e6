import { ClaimError, type ClaimErrorKind } from '../wallet/errors.js';

// The wallet reports what went wrong in its own terms; which flag changes that is the CLI's
// knowledge, added here for `claim` and `offer create --claim` alike.
const HINTS: Record<ClaimErrorKind, string> = {
  'plain-http': ', or --insecure for a test issuer',
  deadline: ' (--timeout)',
  'key-not-found': ' (--allow-unverified accepts a credential whose issuer key cannot be found)',
};

/** The error with the flag that changes it named at the end of its message, when there is one. */
export function withFlagHint(error: unknown): unknown {
  if (error instanceof ClaimError && error.kind && !error.message.endsWith(HINTS[error.kind])) error.message += HINTS[error.kind];
  return error;
}
