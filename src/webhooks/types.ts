/**
 * A signature scheme's name. SCHEMES (index.ts) has one scheme for each: a name here without a
 * scheme there does not compile, nor a scheme there without a name here.
 */
export type SchemeName = 'standard' | 'svix' | 'igrant' | 'stripe' | 'github' | 'hmac-sha256' | 'bearer';

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

type VerdictCode =
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
  /**
   * The scheme accepts the delivery: a signature that verified (`code` `valid`), or no check at
   * all under scheme none (`code` `unsigned`) — `code` says which. Not "verified": test
   * `code === 'valid'` for that.
   */
  accepted: boolean;
  /** The scheme that judged the delivery; `none` when none did (scheme none, or an unsigned delivery under auto). */
  scheme: SchemeName | 'none';
  code: VerdictCode;
  /** Human explanation, e.g. "timestamp too old by 412 s". Never contains a secret. */
  reason: string;
  /** 1-based index of the secret that matched. */
  secretIndex?: number;
  /** Signed timestamp minus now, in seconds, where the scheme has one. */
  skewSec?: number;
  /** The delivery id the verifying scheme signed (for deduplication); set on valid verdicts only. */
  deliveryId?: string | null;
}

export interface SignOptions {
  id?: string;
  /** Unix seconds. */
  timestamp?: number;
  contentType?: string;
}

/**
 * One signature scheme (a file per scheme in this folder). A scheme owns everything it knows:
 * its header names, the delivery id and time it signs, `verify` and `sign`. Receiver, verify,
 * replay and trigger call this interface and hold no scheme-specific code.
 */
export interface SignatureScheme {
  /** Its key in SCHEMES. */
  name: SchemeName;
  /** Lower-case names of the headers this scheme signs with (removed before re-signing). */
  headers: readonly string[];
  /** True when the request carries this scheme's signature header. */
  detect(headers: Delivery['headers']): boolean;
  verify(delivery: Delivery, context: VerifyContext): Verdict;
  /** The delivery id covered by the signature, or null when the scheme signs none. */
  signedId(delivery: Delivery): string | null;
  /** The signed timestamp, in Unix seconds, when the scheme has one. */
  signedAt(headers: Delivery['headers']): number | undefined;
  /** Headers that make `body` verify under `secret` (used by replay, the sandbox and trigger). */
  sign?(body: Buffer, secret: string, options: SignOptions): Record<string, string>;
  /** Why `secret` cannot be this scheme's key (undefined when it can): checked before signing. */
  secretProblem?(secret: string): string | undefined;
}

export const valid = (scheme: SchemeName, secretIndex: number, skewSec?: number): Verdict => ({
  accepted: true,
  scheme,
  code: 'valid',
  reason: `signature matches secret #${secretIndex}`,
  secretIndex,
  skewSec,
});

/** The same words for every scheme when no configured secret produces the signature (one wording to grep for). */
export const noMatch = (scheme: SchemeName, secrets: number, skewSec?: number): Verdict =>
  invalid(scheme, 'no_match', `no signature matches any of ${secrets} secret${secrets === 1 ? '' : 's'}`, skewSec);

export const invalid = (scheme: SchemeName | 'none', code: VerdictCode, reason: string, skewSec?: number): Verdict => ({ accepted: false, scheme, code, reason, skewSec });
