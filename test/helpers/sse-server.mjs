import { listen } from './http.mjs';

/** Writes the headers of an SSE response. */
export function openStream(res, { contentType = 'text/event-stream', status = 200 } = {}) {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
}

/** One SSE message: data lines, optional event/id/retry fields. */
/**
 * @param {unknown} data
 * @param {{ event?: string, id?: string, retry?: number | string, eol?: string }} [options]
 */
export function frame(data, { event, id, retry, eol = '\n' } = {}) {
  let out = '';
  if (retry !== undefined) out += `retry: ${retry}${eol}`;
  if (id !== undefined) out += `id: ${id}${eol}`;
  if (event !== undefined) out += `event: ${event}${eol}`;
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  for (const line of text.split('\n')) out += `data: ${line}${eol}`;
  return out + eol;
}

/** A walt.id issuer2 envelope (docs/providers.md). `status` absent means ACTIVE. */
/**
 * @param {string} sessionId
 * @param {string} event
 * @param {{ status?: string, isClosed?: boolean, requestId?: string, [key: string]: unknown }} [options]
 */
export function envelope(sessionId, event, { status, isClosed, requestId, ...extra } = {}) {
  const session = { id: sessionId, profileId: 'openBadgeCredential' };
  if (status !== undefined) session.status = status;
  if (isClosed !== undefined) session.isClosed = isClosed;
  return { target: sessionId, event, session, requestId: requestId ?? `req-${event}`, ...extra };
}

/**
 * A scenario server: `routes` maps a path to a handler (req, res, info) where info.attempt counts
 * connections to that path (1-based). Requests are recorded in `requests`.
 */
export async function startSseServer(routes) {
  const requests = [];
  const attempts = new Map();
  const srv = await listen(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    requests.push({ path, headers: req.headers, at: Date.now() });
    const attempt = (attempts.get(path) ?? 0) + 1;
    attempts.set(path, attempt);
    const handler = routes[path] ?? routes['*'];
    if (!handler) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ exception: true, id: 'NotFoundException', code: '404', message: `no session at ${path}` }));
      return;
    }
    try {
      await handler(req, res, { attempt, path });
    } catch {
      res.destroy();
    }
  });
  return { ...srv, requests, routes, attemptsOf: (path) => attempts.get(path) ?? 0 };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes `chunk` and resolves once a client in this process has read it on its own: the data is in
 * the client's socket when the write has completed, and the event loop's next poll phase reads it.
 * A TCP chunk boundary that holds, without sleeping.
 * @param {import('node:http').ServerResponse} res
 * @param {string | Buffer} chunk
 */
export async function writeApart(res, chunk) {
  await new Promise((resolve) => res.write(chunk, resolve));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}
