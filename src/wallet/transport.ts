import { fetch as undiciFetch, type Dispatcher } from 'undici';
import { ExitCode } from '../errors.js';
import { assertFetchable, describeNetworkError } from '../http/client.js';
import { escapeLine } from '../output/escape.js';
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

export interface TransportOptions {
  dispatcher?: Dispatcher;
  /** Plain http to hosts other than loopback is refused unless set. */
  insecure: boolean;
  onExchange?(exchange: HttpExchange): void;
  /** The step under way, for errors. */
  step(): ClaimStepName;
}

/**
 * The `fetch` the OID4VCI client uses: undici with the tool's dispatcher (proxy rules), a
 * plain-http guard, a response size bound, and every exchange reported for `-v`.
 */
export function walletFetch(options: TransportOptions): typeof fetch {
  const wrapped = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = init?.method ?? 'GET';
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname) && !options.insecure) {
      throw new ClaimError(options.step(), `refusing plain http to ${parsed.host} (${maskUserinfo(url)}): use https, or --insecure for a test issuer`, ExitCode.USAGE);
    }
    assertFetchable(url);
    const started = performance.now();
    const requestBody = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : undefined;
    let response: Awaited<ReturnType<typeof undiciFetch>>;
    try {
      const headers = new Headers(init?.headers as ConstructorParameters<typeof Headers>[0] | undefined);
      if (!headers.has('user-agent')) headers.set('user-agent', USER_AGENT);
      response = await undiciFetch(url, { ...(init as object), headers, dispatcher: options.dispatcher } as Parameters<typeof undiciFetch>[1]);
    } catch (error) {
      const reason = describeNetworkError(error);
      options.onExchange?.({ method, url, ms: performance.now() - started, requestBody, error: reason });
      throw new ClaimError(options.step(), `could not reach ${maskUserinfo(url)}: ${reason}`, ExitCode.FAILURE, { cause: error });
    }
    const bytes = await readBounded(response, options.step(), url);
    if (options.onExchange)
      options.onExchange({ method, url, status: response.status, ms: performance.now() - started, requestBody, responseBody: new TextDecoder().decode(bytes) });
    // The client reads the body again: hand it a fresh Response over the bytes already read.
    return new Response(response.status === 204 || response.status === 304 ? null : bytes, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers as unknown as ConstructorParameters<typeof Headers>[0],
    });
  };
  return wrapped as typeof fetch;
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
