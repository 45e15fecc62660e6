import { DEFAULT_CONNECT_TIMEOUT_MS } from '../shared/defaults.js';
import { Agent, EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { BlockedPortError, NetworkError } from '../errors.js';
import { escapeLine } from '../shared/escape.js';
import { backoffDelay } from '../shared/backoff.js';
import { causeChain } from '../shared/cause.js';
import { delay, formatDuration } from '../shared/duration.js';
import { maskUserinfo } from '../shared/url.js';
import { USER_AGENT } from '../version.js';

interface DispatcherOptions {
  /** Bound on the TCP/TLS handshake of each connection. */
  connectTimeoutMs?: number;
  /** Bound on waiting for the response headers. */
  headersTimeoutMs?: number;
  /** Bound on silence while reading the body; 0 disables it (streams handle idleness themselves). */
  bodyTimeoutMs?: number;
}

/**
 * One dispatcher per command. EnvHttpProxyAgent honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY
 * (docs/cli.md, "Configuration"); NODE_EXTRA_CA_CERTS is applied by Node itself.
 */
export function createDispatcher(options: DispatcherOptions = {}, env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const settings = {
    connect: { timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS },
    headersTimeout: options.headersTimeoutMs ?? 30_000,
    bodyTimeout: options.bodyTimeoutMs ?? 30_000,
  };
  // Without proxy variables a plain Agent does the same with less work per request. The proxy is
  // the one `env` names (undici would read process.env), in undici's order: lower case first.
  if (!usesProxy(env)) return new Agent(settings);
  return new EnvHttpProxyAgent({
    ...settings,
    httpProxy: env.http_proxy ?? env.HTTP_PROXY,
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY,
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
  });
}

function usesProxy(env: NodeJS.ProcessEnv): boolean {
  return ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => Boolean(env[name]));
}

/**
 * Ports that fetch refuses to connect to (the Fetch standard's "bad ports", which undici's fetch
 * enforces; its list, checked by the tests). Only fetch refuses them: `request` connects anyway.
 */
export const BAD_PORTS: ReadonlySet<number> = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179,
  389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000,
  6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/**
 * Throws before a fetch that cannot succeed: fetch would only say "fetch failed", and a retry
 * loop would try again with backoff. Every caller of undici's fetch (the SSE follower, the
 * wallet) checks here first.
 */
export function assertFetchable(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return; // fetch itself reports a URL it cannot parse
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return;
  const port = Number(parsed.port);
  if (BAD_PORTS.has(port)) {
    throw new BlockedPortError(`cannot fetch ${maskUserinfo(url)}: port ${port} is blocked by fetch (a bad port in the Fetch standard); use another port`, url, port);
  }
}

interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** The answer's text, at most `maxResponseBytes` of it. */
  text: string;
  /** The answer was longer: the rest was not read, and the connection was dropped. */
  truncated: boolean;
}

/**
 * Where only part of an answer is shown (trigger's and the inspector's replay target, listen's
 * --forward-to app, replay -v: -v shows 4,096 characters, an error line 300), this much is read;
 * then the connection is dropped, so an endless answer costs nothing.
 */
export const MAX_SHOWN_RESPONSE_BYTES = 64 * 1024;
/** Where an answer is parsed whole (an offer, a session), this much is read at most. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Reads a body up to `limit` bytes. Leaving the loop early destroys a Node stream (undici's body:
 * the connection is dropped) and cancels a web stream (fetch's body): the rest is never read.
 */
export async function readAtMost(body: AsyncIterable<Uint8Array>, limit: number): Promise<{ text: string; truncated: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  /** Sees each exchange once it is over (`-v` prints it, as `curl -v` does). */
  trace?: ExchangeTrace;
  /**
   * A connection that could not be made (refused, unknown host) is tried again, with backoff,
   * for this long: a server still starting (an issuer started by the same CI job).
   */
  waitForServerMs?: number;
  /** Bytes of the answer read at most (default MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
}

/** One HTTP request and what came back (or why nothing did). */
export interface Exchange {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody?: string | Buffer;
  status?: number;
  responseHeaders?: Record<string, string>;
  responseText?: string;
  /** The answer was longer than `responseText`: the rest was not read. */
  responseTruncated?: boolean;
  ms: number;
  error?: string;
}

export type ExchangeTrace = (exchange: Exchange) => void;

/** A request whose whole body is read as text; network failures become NetworkError naming the URL. */
export async function httpRequest(url: string, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  if (!options.waitForServerMs) return requestOnce(url, options);
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await requestOnce(url, options);
    } catch (error) {
      // Only a connection never made is tried again: nothing was sent, so even a POST is safe to repeat.
      if (!(error instanceof NetworkError) || !neverConnected(error.cause)) throw error;
      const left = options.waitForServerMs - (performance.now() - started);
      if (left <= 0) {
        const waited = formatDuration(performance.now() - started);
        throw new NetworkError(`${error.message} (waited ${waited} for the server to start)`, url, { cause: error.cause });
      }
      await delay(Math.min(left, backoffDelay(attempt, { initialMs: 250, maxMs: 2000 })), options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}

async function requestOnce(url: string, options: HttpRequestOptions): Promise<HttpResponse> {
  const method = options.method ?? 'GET';
  const headers = { 'user-agent': USER_AGENT, ...options.headers };
  const started = performance.now();
  const exchange = (rest: Partial<Exchange>): Exchange => ({ method, url, requestHeaders: headers, requestBody: options.body, ms: performance.now() - started, ...rest });
  try {
    const response = await request(url, { method: method as Dispatcher.HttpMethod, headers, body: options.body, dispatcher: options.dispatcher, signal: options.signal });
    const { text, truncated } = await readAtMost(response.body, options.maxResponseBytes ?? MAX_RESPONSE_BYTES);
    const result = { status: response.statusCode, headers: flattenHeaders(response.headers), text, truncated };
    options.trace?.(exchange({ status: result.status, responseHeaders: result.headers, responseText: text, responseTruncated: truncated }));
    return result;
  } catch (error) {
    options.trace?.(exchange({ error: describeNetworkError(error) }));
    throw toNetworkError(error, url);
  }
}

export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'response body stalled',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate (set NODE_EXTRA_CA_CERTS)',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed TLS certificate in chain (set NODE_EXTRA_CA_CERTS)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted (set NODE_EXTRA_CA_CERTS)',
};

/** Errors of a connection that was never made (nothing was sent): worth waiting out while a server starts. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function neverConnected(error: unknown): boolean {
  return NOT_CONNECTED.has(errorCode(error) ?? '');
}

/** The innermost error code in a cause chain (fetch wraps the socket error in TypeError). */
function errorCode(error: unknown): string | undefined {
  let code: string | undefined;
  for (const e of causeChain(error)) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') code = c;
  }
  return code;
}

export function describeNetworkError(error: unknown): string {
  if ((error as Error)?.name === 'AbortError') return 'aborted';
  const code = errorCode(error);
  if (code && REASONS[code]) return REASONS[code];
  if (code) return code;
  // A redirect to such a port passes assertFetchable; fetch then says only "fetch failed" (cause "bad port").
  for (const e of causeChain(error)) {
    if ((e as Error).message === 'bad port') return 'redirected to a port fetch blocks (a bad port in the Fetch standard)';
  }
  return (error as Error)?.message ?? String(error);
}

function toNetworkError(error: unknown, url: string): unknown {
  if (error instanceof NetworkError) return error;
  if ((error as Error)?.name === 'AbortError') return error;
  return new NetworkError(`could not reach ${url}: ${describeNetworkError(error)}`, url, { cause: error });
}

/**
 * What an error body says, for a one-line message: the `message` of a walt.id error body
 * (`{"exception":true,…,"message":"…"}`), else the text itself, escaped and cut to 300 characters.
 */
export function errorDetail(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown } | null;
    if (parsed && typeof parsed.message === 'string') return escapeLine(parsed.message);
  } catch {
    // Not JSON: the text is the best we have.
  }
  const line = escapeLine(text.trim());
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
