import type { ClaimStepName } from './wallet/steps.js';

/** Exit codes of the command-line contract (docs/exit-codes.md). */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  UNSUCCESSFUL: 3,
  AUTH: 4,
  NOT_FOUND: 5,
  INVALID_SIGNATURE: 6,
  TIMEOUT: 124,
  INTERRUPTED: 130,
  TERMINATED: 143,
} as const;

/** `issuer-metadata` → `ISSUER_METADATA`. */
type Constant<S extends string> = Uppercase<S extends `${infer A}-${infer B}` ? `${A}_${Constant<B>}` : S>;

/** Why a tunnel could not be opened (tunnel/errors.ts maps each to an exit code): part of its error code. */
export type TunnelFailure = 'missing' | 'config' | 'auth' | 'domain' | 'limit' | 'network' | 'timeout' | 'aborted' | 'other';

/**
 * Every stable error code, in one place: what `CliError.code`, the `{"kind":"error","code"}`
 * record and the API's errors carry. A code not listed here does not compile.
 */
export type ErrorCode =
  // Usage, configuration, network and HTTP (below).
  | 'E_USAGE'
  | 'E_CONFIG'
  | 'E_NETWORK'
  | 'E_BAD_PORT'
  | `E_HTTP_${number}`
  // A stream that stopped for good (sse/stream.ts); its E_AUTH and E_NOT_FOUND are the exit codes' names.
  | 'E_IDLE_TIMEOUT'
  | 'E_GONE'
  | 'E_UNREACHABLE'
  | 'E_RETRIES'
  | 'E_CONTENT_TYPE'
  | 'E_TOO_LARGE'
  | 'E_NO_CONTENT'
  // `check` (check/offers.ts) and its reports (report/write.ts).
  | 'E_UNKNOWN_PROFILE'
  | 'E_OFFER_COMMAND'
  | 'E_REPORT'
  // A tunnel that could not be opened (tunnel/errors.ts), a claim that failed at a step (wallet/errors.ts).
  | `E_TUNNEL_${Uppercase<TunnelFailure>}`
  | `E_CLAIM_${Constant<ClaimStepName>}`
  // A failure returned as an exit code, not thrown: E_ and the exit code's name (E_TIMEOUT, E_UNSUCCESSFUL).
  | `E_${keyof typeof ExitCode}`;

/**
 * What happened, where the code alone does not say which setting would change it. Engines say
 * it in their own words; the CLI names the flag (cli/flag-hints.ts has one hint for each kind).
 */
export type ErrorKind =
  /** The wallet refused a plain-http issuer. */
  | 'plain-http'
  /** The run's deadline passed before its condition. */
  | 'deadline'
  /** A credential's issuer key cannot be found. */
  | 'key-not-found'
  /** The offer asks for a transaction code, and none was given. */
  | 'tx-code-missing'
  /** A credential configuration asked for is not in the offer. */
  | 'configuration-not-offered'
  /** The first connection was refused, and no wait for a server still starting was asked for. */
  | 'server-not-started'
  /** No response within the bound on one connection attempt. */
  | 'connect-timeout'
  /** walt.id Enterprise without a token. */
  | 'token-missing'
  /** The issuer does not list its profiles: they must be named. */
  | 'profiles-unlisted'
  /** A webhook body over the receiver's limit. */
  | 'body-too-large';

/** The code of a failure that was returned, not thrown: E_ and the exit code's name (E_TIMEOUT, E_UNSUCCESSFUL). */
export function codeForExit(exitCode: number): ErrorCode {
  const name = (Object.keys(ExitCode) as (keyof typeof ExitCode)[]).find((key) => ExitCode[key] === exitCode);
  return `E_${name ?? 'FAILURE'}`;
}

/** Every error the CLI expects carries a stable `code` and the exit code it maps to. */
export class CliError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** What kind of failure, when the CLI has a flag that changes it. */
  readonly kind?: ErrorKind;
  constructor(message: string, code: ErrorCode, exitCode: number, options?: { cause?: unknown; kind?: ErrorKind }) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.kind = options?.kind;
  }
}

/** Bad flag, bad argument, unreadable input file: exit 2. */
export class UsageError extends CliError {
  constructor(message: string, options?: { cause?: unknown; kind?: ErrorKind }) {
    super(message, 'E_USAGE', ExitCode.USAGE, options);
  }
}

/** Invalid configuration file or unknown context: exit 2. */
export class ConfigError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'E_CONFIG', ExitCode.USAGE, options);
  }
}

/** The remote end could not be reached at all (refused, DNS, TLS, timeout): exit 1. */
export class NetworkError extends CliError {
  readonly url: string;
  constructor(message: string, url: string, options?: { cause?: unknown }) {
    super(message, 'E_NETWORK', ExitCode.FAILURE, options);
    this.url = url;
  }
}

/**
 * A URL fetch will not use whatever the server does (a "bad port" of the Fetch standard, e.g. 6000):
 * exit 2 at once, never retried, since no retry can succeed.
 */
export class BlockedPortError extends CliError {
  readonly url: string;
  readonly port: number;
  constructor(message: string, url: string, port: number) {
    super(message, 'E_BAD_PORT', ExitCode.USAGE);
    this.url = url;
    this.port = port;
  }
}

/** The server answered with an error status; the exit code follows the status class. */
export class HttpError extends CliError {
  readonly status: number;
  readonly body: string;
  constructor(message: string, status: number, body = '') {
    super(message, `E_HTTP_${status}`, exitCodeForStatus(status));
    this.status = status;
    this.body = body;
  }
}

/** 401/403 → 4, 404/410 → 5, everything else → 1. */
export function exitCodeForStatus(status: number): number {
  if (status === 401 || status === 403) return ExitCode.AUTH;
  if (status === 404 || status === 410) return ExitCode.NOT_FOUND;
  return ExitCode.FAILURE;
}
