/** A received delivery as the verifiers see it: lower-case header names, the raw body bytes. */
export interface Delivery {
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface VerifyContext {
  secrets: readonly string[];
  /** Allowed clock difference in seconds, in both directions. */
  toleranceSec: number;
  /** "Now" in milliseconds (from `--at` in `verify`). */
  nowMs: number;
  /** Generic hmac-sha256 only. */
  hmac?: HmacOptions;
}

export interface HmacOptions {
  header: string;
  encoding: 'hex' | 'base64';
  prefix: string;
}

export type VerdictCode =
  | 'valid'
  | 'missing_signature'
  | 'malformed_signature'
  | 'bad_timestamp'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_match'
  | 'no_usable_secret'
  | 'unsigned';

export interface Verdict {
  ok: boolean;
  scheme: string;
  code: VerdictCode;
  /** Human explanation, e.g. "timestamp too old by 412 s". Never contains a secret. */
  reason: string;
  /** 1-based index of the secret that matched. */
  secretIndex?: number;
  /** Signed timestamp minus now, in seconds, where the scheme has one. */
  skewSec?: number;
}

export interface SignOptions {
  id?: string;
  /** Unix seconds. */
  timestamp?: number;
  contentType?: string;
}

/** One signature scheme (a file per scheme in this folder). */
export interface SignatureScheme {
  name: string;
  /** True when the request carries this scheme's signature header. */
  detect(headers: Delivery['headers']): boolean;
  verify(delivery: Delivery, context: VerifyContext): Verdict;
  /** Headers that make `body` verify under `secret` (used by replay and the sandbox). */
  sign?(body: Buffer, secret: string, options: SignOptions): Record<string, string>;
}

export const valid = (scheme: string, secretIndex: number, skewSec?: number): Verdict => ({
  ok: true,
  scheme,
  code: 'valid',
  reason: `signature matches secret #${secretIndex}`,
  secretIndex,
  skewSec,
});

export const invalid = (scheme: string, code: VerdictCode, reason: string, skewSec?: number): Verdict => ({ ok: false, scheme, code, reason, skewSec });
