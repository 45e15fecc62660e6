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

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SENSITIVE_HEADERS.has(name.toLowerCase()) ? REDACTED : value;
  }
  return out;
}

/** Removes every known secret from a message before it is printed (e.g. a URL echoed in an error). */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out;
}
