import type { Dispatcher } from 'undici';
import { CliError } from '../errors.js';
import { escapeLine } from '../shared/escape.js';
import { isPlainObject, type JsonObject } from '../shared/json.js';
import type { ClaimStepName } from '../wallet/errors.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type HttpExchange, walletFetch } from '../wallet/transport.js';

/** One exchange with the issuer, kept whole: `check` judges status, headers and body. */
export interface HttpResult {
  method: string;
  url: string;
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
  /** performance.now() when the request was sent (event latencies are measured from it). */
  startedAt: number;
  ms: number;
}

/** The request did not get an answer: unreachable, refused plain http, too large. */
export class HttpFailure extends Error {}

interface CheckHttpOptions {
  dispatcher?: Dispatcher;
  insecure: boolean;
  /** `-v`: each exchange. */
  onExchange?(exchange: HttpExchange): void;
  signal?: AbortSignal;
  /** Bound on each request (the wallet's default when unset). */
  requestTimeoutMs?: number;
}

interface SendOptions {
  headers?: Record<string, string>;
  /** application/x-www-form-urlencoded body. */
  form?: Record<string, string | undefined>;
  /** application/json body. */
  json?: unknown;
}

/**
 * The wallet's transport (plain http only to loopback unless allowed, bounded bodies, the
 * redirect rules) with every response kept whole: `check` builds its requests, good and
 * deliberately bad, on it.
 */
export class CheckHttp {
  constructor(private readonly options: CheckHttpOptions) {}

  /** The transport as a `fetch`, for the wallet's own lookups (the issuer's keys). */
  fetch(step: ClaimStepName): typeof fetch {
    return walletFetch({
      dispatcher: this.options.dispatcher,
      insecure: this.options.insecure,
      onExchange: this.options.onExchange,
      requestTimeoutMs: this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      step: () => step,
    });
  }

  async send(step: ClaimStepName, method: string, url: string, request: SendOptions = {}): Promise<HttpResult> {
    const fetch = this.fetch(step);
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    let body: string | undefined;
    if (request.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(Object.entries(request.form).filter((entry): entry is [string, string] => entry[1] !== undefined)).toString();
    } else if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    }
    const startedAt = performance.now();
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, signal: this.options.signal });
    } catch (error) {
      // The transport names the step and the URL (and masks userinfo).
      const message = error instanceof CliError ? error.message.replace(/^[\w-]+: /, '') : (error as Error).message;
      throw new HttpFailure(message, { cause: error });
    }
    const text = await response.text();
    return { method, url, status: response.status, headers: response.headers, text, json: parseJson(text), startedAt, ms: performance.now() - startedAt };
  }
}

function parseJson(text: string): unknown {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

export function jsonObject(result: HttpResult): JsonObject | undefined {
  return isPlainObject(result.json) ? result.json : undefined;
}

export function isJsonContentType(result: HttpResult): boolean {
  const type = result.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
}

/** `Cache-Control: no-store` (RFC 6749 §5.1 for tokens, OID4VCI 1.0 §7.2 for nonces). */
export function hasNoStore(result: HttpResult): boolean {
  return (result.headers.get('cache-control') ?? '')
    .toLowerCase()
    .split(',')
    .some((d) => d.trim() === 'no-store');
}

/**
 * `HTTP 400 invalid_proof (…)`, for details: an error response's code and description; of any
 * other JSON object only its keys (an accepted request's body holds tokens and credentials, which
 * are never printed); other text escaped and cut.
 */
export function describeAnswer(result: HttpResult): string {
  const body = jsonObject(result);
  if (body && typeof body.error === 'string') {
    const description = typeof body.error_description === 'string' ? ` (${body.error_description})` : '';
    return `HTTP ${result.status} ${escapeLine(body.error)}${escapeLine(description).slice(0, 200)}`;
  }
  if (body) return `HTTP ${result.status} {${escapeLine(Object.keys(body).join(', ')).slice(0, 160)}}`;
  if (result.status >= 200 && result.status < 300) return `HTTP ${result.status}`;
  const text = escapeLine(result.text.trim());
  return `HTTP ${result.status}${text ? ` ${text.length > 160 ? `${text.slice(0, 160)}…` : text}` : ''}`;
}
