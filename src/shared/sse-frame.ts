// How this tool's servers (the sandbox, the replay server, the inspector page) write server-sent
// events: one place for the framing and the response headers.

/** Response headers of an event stream: not cached, not buffered by a proxy (nginx's X-Accel-Buffering). */
export const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' } as const;

/**
 * One message: `event:` and `id:` when given, `data:` (one line: the callers write JSON), then the
 * blank line that dispatches it. `crlf`: CRLF line endings, as walt.id's server (Ktor) writes them.
 */
export function sseFrame(data: string, fields: { event?: string; id?: string | number; crlf?: boolean } = {}): string {
  const eol = fields.crlf ? '\r\n' : '\n';
  let head = '';
  if (fields.event !== undefined) head += `event: ${fields.event}${eol}`;
  if (fields.id !== undefined) head += `id: ${fields.id}${eol}`;
  return `${head}data: ${data}${eol}${eol}`;
}

/** A comment line (`: text`), which clients ignore: keeps an idle connection from timing out. */
export function sseComment(text: string): string {
  return `: ${text}\n\n`;
}
