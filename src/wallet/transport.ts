import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { ExitCode } from '../errors.js';
import { assertFetchable, describeNetworkError } from '../http/client.js';
import { escapeLine } from '../shared/escape.js';
import { formatDuration } from '../shared/duration.js';
import { isLoopbackHost, maskUserinfo } from '../shared/url.js';
import { USER_AGENT } from '../version.js';
import { ClaimError, type ClaimStepName } from './errors.js';

/** One HTTP exchange of the protocol, for `-v` (tokens and codes masked by the reporter). */
export interface HttpExchange {
  method: string;
  url: string;
  status?: number;
  ms: number;
  requestBody?: string;
  responseBody?: string;
  error?: string;
}

/** Responses above this size are refused: no issuer needs more for metadata or a credential. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Bound on one request of the claim — headers and whole body, redirects included — unless the plan says otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

interface TransportOptions {
  dispatcher?: Dispatcher;
  /**
   * Bound on each request, from sending it to the last byte of the answer (an issuer dripping
   * a byte at a time defeats undici's silence timeouts, not this).
   */
  requestTimeoutMs: number;
  /** The whole claim's: once aborted, every request ends with its reason. */
  signal?: AbortSignal;
  /** Plain http to hosts other than loopback is refused unless set. */
  insecure: boolean;
  onExchange?(exchange: HttpExchange): void;
  /** The step under way, for errors. */
  step(): ClaimStepName;
}

/** Redirects followed per request: enough for a moved document, not for a loop. */
const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

// Headers that carry a credential: a redirect to another origin never takes them along (as the
// Fetch standard drops Authorization), so a token only ever goes where it was first sent.
const CREDENTIAL_HEADERS = ['authorization', 'dpop', 'cookie', 'proxy-authorization'];

/**
 * The `fetch` the OID4VCI client uses: undici with the tool's dispatcher (proxy rules), the
 * plain-http rule on every hop of a redirect, a response size bound, and every exchange
 * reported for `-v`. Redirects are followed here, hop by hop, not by undici: a GET may move
 * anywhere the plain-http rule allows (without its credential headers across origins); a POST
 * carries a pre-authorized code, a tx code, a proof or an access token in its body or headers,
 * so it follows only a 307/308 that stays on its origin.
 */
export function walletFetch(options: TransportOptions): typeof fetch {
  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const first = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init?.headers as ConstructorParameters<typeof Headers>[0] | undefined);
    if (!headers.has('user-agent')) headers.set('user-agent', USER_AGENT);
    let url = first;
    checkPlainHttp(url, options, undefined);
    const deadline = AbortSignal.timeout(options.requestTimeoutMs);
    const signal = AbortSignal.any([deadline, ...(options.signal ? [options.signal] : []), ...(init?.signal ? [init.signal] : [])]);
    const limits = { signal, deadline };
    for (let hop = 0; ; hop++) {
      const response = await exchange(url, method, headers, init, options, limits);
      const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get('location') : null;
      if (location === null) return response;
      if (hop === MAX_REDIRECTS) throw new ClaimError(options.step(), `more than ${MAX_REDIRECTS} redirects from ${maskUserinfo(first)}`, ExitCode.FAILURE);
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new ClaimError(options.step(), `${maskUserinfo(url)} redirected to an invalid URL`, ExitCode.FAILURE);
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:')
        throw new ClaimError(options.step(), `${maskUserinfo(url)} redirected to a ${next.protocol} URL`, ExitCode.FAILURE);
      const from = new URL(url);
      const sameOrigin = next.origin === from.origin;
      if (method !== 'GET' && method !== 'HEAD' && !(sameOrigin && (response.status === 307 || response.status === 308))) {
        const where = sameOrigin ? `with ${response.status}` : `to another origin (${next.origin})`;
        throw new ClaimError(
          options.step(),
          `the issuer redirected ${method} ${maskUserinfo(url)} ${where}: not followed, it would re-send the request's code or token`,
          ExitCode.FAILURE,
        );
      }
      checkPlainHttp(next.href, options, url);
      if (!sameOrigin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
      url = next.href;
    }
  };
  return wrapped as typeof fetch;
}

/** Plain http only to loopback unless the plan allows it: the first URL and every redirect alike. */
function checkPlainHttp(url: string, options: TransportOptions, redirectedFrom: string | undefined): void {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' || isLoopbackHost(parsed.hostname) || options.insecure) return;
  const where = redirectedFrom === undefined ? maskUserinfo(url) : `redirected from ${maskUserinfo(redirectedFrom)}`;
  // The first URL is the user's input (exit 2); a redirect to plain http is the issuer's doing (exit 1).
  throw new ClaimError(options.step(), `refusing plain http to ${parsed.host} (${where}): use https`, redirectedFrom === undefined ? ExitCode.USAGE : ExitCode.FAILURE, {
    kind: 'plain-http',
  });
}

/** The request's signal (every bound together) and its own deadline, to tell them apart. */
interface Limits {
  signal: AbortSignal;
  deadline: AbortSignal;
}

/** One request and its whole (bounded) body; the exchange is reported whatever happens. */
async function exchange(url: string, method: string, headers: Headers, init: RequestInit | undefined, options: TransportOptions, limits: Limits): Promise<Response> {
  // A port fetch refuses, on the first URL or a redirect, is said as such (not "fetch failed").
  assertFetchable(url);
  const started = performance.now();
  const requestBody = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : undefined;
  let response: Awaited<ReturnType<typeof undiciFetch>>;
  try {
    response = await undiciFetch(url, { ...(init as object), method, headers, redirect: 'manual', dispatcher: options.dispatcher, signal: limits.signal } as Parameters<
      typeof undiciFetch
    >[1]);
  } catch (error) {
    const reason = limits.signal.aborted ? 'aborted' : describeNetworkError(error);
    options.onExchange?.({ method, url, ms: performance.now() - started, requestBody, error: reason });
    throw abortReason(url, options, limits) ?? new ClaimError(options.step(), `could not reach ${maskUserinfo(url)}: ${reason}`, ExitCode.FAILURE, { cause: error });
  }
  if (REDIRECT_STATUSES.has(response.status)) {
    // A redirect's body is not needed: dropped unread, so that a slow one cannot hold the claim.
    await response.body?.cancel().catch(() => {});
    options.onExchange?.({ method, url, status: response.status, ms: performance.now() - started, requestBody });
    return new Response(null, { status: response.status, headers: response.headers as unknown as ConstructorParameters<typeof Headers>[0] });
  }
  let bytes: Uint8Array;
  try {
    bytes = await readBounded(response, options.step(), url);
  } catch (error) {
    const stopped = abortReason(url, options, limits);
    if (!stopped) throw error;
    options.onExchange?.({ method, url, status: response.status, ms: performance.now() - started, requestBody, error: 'aborted' });
    throw stopped;
  }
  if (options.onExchange) options.onExchange({ method, url, status: response.status, ms: performance.now() - started, requestBody, responseBody: new TextDecoder().decode(bytes) });
  // The client reads the body again: hand it a fresh Response over the bytes already read.
  return new Response(response.status === 204 || response.status === 304 ? null : bytes, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers as unknown as ConstructorParameters<typeof Headers>[0],
  });
}

/** Why the request was stopped, once it was: the claim's end, or this request's deadline. */
function abortReason(url: string, options: TransportOptions, limits: Limits): Error | undefined {
  if (!limits.signal.aborted) return undefined;
  // The claim's own reason (its deadline, or the session's wait that ended) wins over this request's.
  if (options.signal?.aborted) return options.signal.reason instanceof Error ? options.signal.reason : new ClaimError(options.step(), 'stopped', ExitCode.FAILURE);
  if (limits.deadline.aborted)
    return new ClaimError(options.step(), `no complete answer from ${maskUserinfo(url)} within ${formatDuration(options.requestTimeoutMs)}`, ExitCode.FAILURE);
  return new ClaimError(options.step(), `request to ${maskUserinfo(url)} aborted`, ExitCode.FAILURE);
}

async function readBounded(response: Awaited<ReturnType<typeof undiciFetch>>, step: ClaimStepName, url: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (!response.body) return new Uint8Array();
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await response.body.cancel().catch(() => {});
      throw new ClaimError(step, `response from ${escapeLine(maskUserinfo(url))} is larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MB`, ExitCode.FAILURE);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
