import type { Exchange } from '../../http/client.js';
import { maskUserinfo } from '../../shared/url.js';
import { escapeLine } from '../../shared/escape.js';
import type { Output } from '../output.js';
import { maskSecrets, REDACTED, SENSITIVE_HEADERS } from '../../shared/redact.js';

/** Bodies longer than this are cut in `-v` output (the exchange is for reading, not for saving). */
const MAX_BODY_CHARS = 4096;

/**
 * Text of a body as it may be shown (`-v`): tokens, codes and private key members masked whole
 * (JSON stays JSON), cut, one escaped line per line.
 */
export function shownBody(body: string | Buffer | undefined): string[] {
  if (body === undefined || body.length === 0) return [];
  const text = maskSecrets(typeof body === 'string' ? body : body.toString('utf8'));
  const cut = text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}… (${text.length} characters in all)` : text;
  return cut.split('\n').map((line) => escapeLine(line));
}

function shownHeaders(prefix: string, headers: Record<string, string> | undefined): string[] {
  return Object.entries(headers ?? {}).map(([name, value]) => `${prefix} ${name}: ${SENSITIVE_HEADERS.has(name.toLowerCase()) ? REDACTED : escapeLine(value)}`);
}

/**
 * `-v`: one HTTP exchange on stderr the way `curl -v` shows it (`>` sent, `<` received), with
 * credentials masked (Authorization, cookies, userinfo, private JWK members).
 */
function renderExchange(output: Output, exchange: Exchange): void {
  if (!output.verbose) return;
  const lines = [`> ${exchange.method} ${maskUserinfo(exchange.url)}`, ...shownHeaders('>', exchange.requestHeaders), ...shownBody(exchange.requestBody).map((l) => `> ${l}`)];
  if (exchange.error !== undefined) lines.push(`* ${escapeLine(exchange.error)} after ${Math.round(exchange.ms)} ms`);
  else {
    lines.push(`< ${exchange.status} (${Math.round(exchange.ms)} ms)`, ...shownHeaders('<', exchange.responseHeaders), ...shownBody(exchange.responseText).map((l) => `< ${l}`));
    if (exchange.responseTruncated) lines.push('* the rest of the answer was not read');
  }
  for (const line of lines) output.debug(line);
}

/** A trace function for an engine's HTTP layer, printing through the renderer. */
export function exchangeTracer(output: Output): ((exchange: Exchange) => void) | undefined {
  return output.verbose ? (exchange) => renderExchange(output, exchange) : undefined;
}

/** A request that `--dry-run` shows instead of sending: `kind` names it in --json. */
interface RequestPreview {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * `--dry-run`: the request on stdout, as it would be sent (credentials masked): with --json one
 * object `{kind, method, url, headers, body}`, else the request line, the headers and the body.
 */
export function renderRequestPreview(output: Output, kind: string, preview: RequestPreview): void {
  const headers = Object.fromEntries(Object.entries(preview.headers).map(([name, value]) => [name, SENSITIVE_HEADERS.has(name.toLowerCase()) ? REDACTED : value]));
  const url = preview.url ? maskUserinfo(preview.url) : '';
  if (output.json) {
    output.record({ kind, dryRun: true, method: preview.method, url: url || null, headers, body: preview.body });
    return;
  }
  output.data(`${preview.method} ${url || '<--to url>'}`);
  for (const [name, value] of Object.entries(headers)) output.data(`${name}: ${escapeLine(value)}`);
  output.data('');
  for (const line of JSON.stringify(preview.body, null, 2).split('\n')) output.data(escapeLine(line));
}
