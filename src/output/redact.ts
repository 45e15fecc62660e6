import { createHash } from 'node:crypto';

/** Headers whose values are credentials: never printed, never written to a capture file. */
export const SENSITIVE_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);

export const REDACTED = '[redacted]';

/**
 * A secret as it may be shown: its well-known prefix (whsec_) and a short fingerprint, enough
 * to tell two apart without revealing any of the secret itself.
 */
export function maskSecret(secret: string): string {
  const prefix = secret.startsWith('whsec_') ? 'whsec_' : '';
  return `${prefix}…#${createHash('sha256').update(secret).digest('hex').slice(0, 6)}`;
}
