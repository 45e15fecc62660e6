import { CliError, type ErrorCode, ExitCode, type TunnelFailure } from '../errors.js';
import { escapeLine } from '../shared/escape.js';
import { maskSecret } from '../shared/redact.js';

export type { TunnelFailure };

/** Why a tunnel could not be opened; `exitCode` follows the contract (4 for a refused token). */
export class TunnelError extends CliError {
  readonly failure: TunnelFailure;
  /** The provider's own error code, e.g. ERR_NGROK_107. */
  readonly providerCode: string | undefined;
  constructor(message: string, failure: TunnelFailure, providerCode?: string, options?: { cause?: unknown }) {
    super(message, `E_TUNNEL_${failure.toUpperCase()}` as ErrorCode, exitCodeFor(failure), options);
    this.failure = failure;
    this.providerCode = providerCode;
  }
}

function exitCodeFor(failure: TunnelFailure): number {
  if (failure === 'missing' || failure === 'config') return ExitCode.USAGE;
  if (failure === 'auth') return ExitCode.AUTH;
  if (failure === 'aborted') return ExitCode.INTERRUPTED;
  return ExitCode.FAILURE;
}

export const NGROK_TOKEN_PAGE = 'https://dashboard.ngrok.com/get-started/your-authtoken';
const NGROK_DOMAINS_PAGE = 'https://dashboard.ngrok.com/domains';

/**
 * ngrok's error codes (https://ngrok.com/docs/errors/reference) that mean the service refused the
 * token or the account: a bad or revoked token, an account suspended or not verified, an IP policy.
 */
const NGROK_AUTH = new Set([102, 103, 105, 106, 107, 115, 116, 123, 300, 4018]);
/** Binding the asked-for domain failed: not reserved, reserved by another account, not on this plan, malformed. */
const NGROK_DOMAIN = new Set([305, 306, 313, 314, 316, 317, 319, 320, 322, 326, 327, 328, 329, 330, 331, 347, 354, 355]);
/** Session and tunnel limits of the account (another agent already running, rate limits). */
const NGROK_LIMIT = new Set([108, 323, 324, 348, 349, 350, 351, 352, 353]);

/** Longest agent message shown; ngrok's are a few lines of help text at most. */
const MAX_MESSAGE = 400;

/**
 * The agent's error as one line: its code, its message with the token masked and line breaks
 * folded, and what to do. `@ngrok/ngrok` rejects with `Error("<what>: <message> error_code:
 * ERR_NGROK_<n>")` and sets `errorCode`; a failure before the service answered (no network, TLS)
 * has no code.
 */
export function ngrokError(error: unknown, authtoken: string, domain?: string): TunnelError {
  const err = error as { message?: unknown; errorCode?: unknown } | undefined;
  const raw = typeof err?.message === 'string' ? err.message : String(error);
  const code = typeof err?.errorCode === 'string' ? err.errorCode : /error_code: (ERR_NGROK_\d+)/.exec(raw)?.[1];
  // The service quotes the token back ("Your authtoken: …"): never printed in full.
  let text = raw.replace(/,?\s*error_code:\s*ERR_NGROK_\d+\s*$/, '');
  if (authtoken.length >= 4) text = text.split(authtoken).join(maskSecret(authtoken));
  text = escapeLine(text.replace(/\s+/g, ' ').trim());
  if (text.length > MAX_MESSAGE) text = `${text.slice(0, MAX_MESSAGE - 1)}…`;
  const number = code ? Number(code.slice('ERR_NGROK_'.length)) : undefined;
  let failure: TunnelFailure = 'other';
  let hint = '';
  if (number !== undefined && NGROK_AUTH.has(number)) {
    failure = 'auth';
    hint = `the ngrok service refused the auth token; your token is at ${NGROK_TOKEN_PAGE}`;
  } else if (number !== undefined && NGROK_DOMAIN.has(number)) {
    failure = 'domain';
    hint = `${domain ? `${domain} ` : 'the domain '}must be reserved for this ngrok account: ${NGROK_DOMAINS_PAGE}`;
  } else if (number !== undefined && NGROK_LIMIT.has(number)) {
    failure = 'limit';
    hint = 'stop the other ngrok agent of this account, or wait and retry';
  } else if (code === undefined && /tcp connection|tls handshake|dns|resolve|connect/i.test(text)) {
    failure = 'network';
    hint = 'the agent could not reach the ngrok service at connect.ngrok-agent.com:443: is this machine online?';
  }
  return new TunnelError(`ngrok: ${code ? `${code}: ` : ''}${text}${hint ? ` (${hint})` : ''}`, failure, code, { cause: error });
}
