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

/** Every error the CLI expects carries a stable `code` and the exit code it maps to. */
export class CliError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(message: string, code: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad flag, bad argument, unreadable input file: exit 2. */
export class UsageError extends CliError {
  constructor(message: string, options?: { cause?: unknown }) {
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
