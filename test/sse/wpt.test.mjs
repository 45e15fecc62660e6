// Cases ported from the Web Platform Tests' eventsource/ suite (web-platform-tests/wpt), run
// against SseStream — an EventSource per connection under tail's supervisor — and a local
// server. Each test names the wpt file it comes from.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { SseStream } from '../../dist/sse/stream.js';
import { listen } from '../helpers/http.mjs';

const servers = [];
after(() => Promise.all(servers.map((s) => s.close())));

/**
 * Serves `body` (string or Buffer, or a function of the attempt) with `contentType`, then
 * follows it until `count` messages arrived or the stream gave up. Returns the messages,
 * the requests seen, and the error, if any.
 * @param {{ body: any, contentType?: string, status?: number, count: number, retries?: number, headers?: Record<string, string> }} o
 */
async function collect(o) {
  const requests = [];
  const srv = await listen((req, res) => {
    requests.push({ headers: req.headers, at: Date.now() });
    const body = typeof o.body === 'function' ? o.body(requests.length, req, res) : o.body;
    if (body === undefined) return;
    res.writeHead(o.status ?? 200, { 'content-type': o.contentType ?? 'text/event-stream', ...o.headers });
    res.end(body);
  });
  servers.push(srv);
  const messages = [];
  /** The waits the stream chose before each reconnect. */
  const delays = [];
  const stream = new SseStream(
    { url: `${srv.url}/stream`, retries: o.retries ?? 0, connectTimeoutMs: 5000, initialDelayMs: 10, maxDelayMs: 50, emptyCloseWindowMs: 0 },
    {
      onMessage(m) {
        messages.push(m);
        return messages.length >= o.count;
      },
      onReconnect: ({ delayMs }) => delays.push(delayMs),
    },
  );
  /** @type {any} */
  let error;
  await stream.run().catch((e) => (error = e));
  return { messages, requests, error, delays };
}

test('format-field-data.js: "data" without colon is an empty line of data; two of them join with \\n', async () => {
  const r = await collect({ body: 'data:\n\ndata\ndata\n\ndata:test\n\n', count: 3 });
  assert.deepEqual(
    r.messages.map((m) => m.data),
    ['', '\n', 'test'],
  );
});

test('format-bom-2.any.js: only the first BOM is stripped; a second one makes the field unknown', async () => {
  const r = await collect({ body: '\uFEFF\uFEFFdata:1\n\ndata:2\n\ndata:3\n\n', count: 2 });
  assert.deepEqual(
    r.messages.map((m) => m.data),
    ['2', '3'],
  );
});

test('format-bom.js: a leading BOM is ignored', async () => {
  const r = await collect({ body: '\uFEFFdata:1\n\ndata:2\n\n', count: 2 });
  assert.deepEqual(
    r.messages.map((m) => m.data),
    ['1', '2'],
  );
});

test('format-comments.js: lines starting with a colon are comments', async () => {
  const long = 'x'.repeat(2049);
  const r = await collect({ body: `data:1\r:\0\n:\r\ndata:2\n:${long}\rdata:3\n:data:fail\r:${long}\ndata:4\n\n`, count: 1 });
  assert.equal(r.messages[0].data, '1\n2\n3\n4');
});

test('format-data-before-final-empty-line.js: data not followed by a blank line at the end of the stream is not dispatched', async () => {
  const r = await collect({ body: 'retry:1000\ndata:test1\n\ndata:test2', count: 2 });
  assert.deepEqual(
    r.messages.map((m) => m.data),
    ['test1'],
  );
});

test('format-field-event-empty.htm: an empty event field means the default type', async () => {
  const r = await collect({ body: 'event: \ndata:data\n\n', count: 1 });
  assert.deepEqual(r.messages[0], { data: 'data', event: undefined, id: undefined });
});

test('format-field-event.htm: a named event keeps its type', async () => {
  const r = await collect({ body: 'event:test\ndata:x\n\ndata:y\n\n', count: 2 });
  assert.deepEqual(
    r.messages.map((m) => [m.event, m.data]),
    [
      ['test', 'x'],
      [undefined, 'y'],
    ],
  );
});

test('format-field-parsing.htm: field names are case-sensitive; one leading space is removed; NUL is data', async () => {
  const r = await collect({ body: 'data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n', count: 1 });
  assert.equal(r.messages[0].data, '\0\n 2\n1\n3\n\n4');
});

test('format-newlines.htm: CR, LF and CRLF all end lines; a message is dispatched at its blank line', async () => {
  const r = await collect({ body: 'data:test\r\ndata\ndata:test\r\r', count: 1 });
  assert.equal(r.messages[0].data, 'test\n\ntest');
});

test('format-newlines (dispatch at once): a message ending in CR CR is delivered before any further byte', { timeout: 30_000 }, async () => {
  /** @type {import('node:http').ServerResponse | undefined} */
  let open;
  const r = await collect({
    body: (n, req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data:now\r\r');
      // The connection stays open with nothing more: the message must not wait for more bytes
      // (a client that waits never gets it, and the test times out).
      open = res;
      return undefined;
    },
    count: 1,
  });
  assert.equal(r.messages[0].data, 'now');
  assert.equal(open?.writableEnded, false, 'dispatched without waiting for the next chunk');
});

test('format-utf-8.js: the stream is always UTF-8, whatever charset the content type names', async () => {
  const r = await collect({ body: Buffer.from('data:ok…\n\n', 'utf8'), contentType: 'text/event-stream;charset=windows-1252', count: 1 });
  assert.equal(r.messages[0].data, 'ok…');
});

test('format-mime-valid-bogus.htm: text/event-stream with parameters is valid; another type fails the connection', async () => {
  let r = await collect({ body: 'data:x\n\n', contentType: 'text/event-stream; charset=UTF-8', count: 1 });
  assert.equal(r.messages[0].data, 'x');
  r = await collect({ body: 'data:x\n\n', contentType: 'text/plain', count: 1 });
  assert.equal(r.messages.length, 0);
  assert.equal(r.error.code, 'E_CONTENT_TYPE');
  assert.equal(r.requests.length, 1, 'no reconnect');
});

test('format-field-retry-bogus.htm / format-field-retry.htm: retry with non-digits is ignored; digits set the reconnection time', async () => {
  let r = await collect({ body: (n) => (n === 1 ? 'retry:3000xyz\ndata:x\n\n' : 'data:y\n\n'), count: 2, retries: 1 });
  assert.equal(r.requests.length, 2);
  assert.ok(r.delays[0] < 2000, `bogus retry ignored: waited ${r.delays[0]} ms`);
  r = await collect({ body: (n) => (n === 1 ? 'retry:1500\ndata:x\n\n' : 'data:y\n\n'), count: 2, retries: 1 });
  assert.ok(r.requests[1].at - r.requests[0].at >= 1450, 'retry: 1500 waited');
});

test('request-accept.htm / request-cache-control.htm: Accept: text/event-stream, Cache-Control: no-cache', async () => {
  const r = await collect({ body: 'data:x\n\n', count: 1 });
  assert.equal(r.requests[0].headers.accept, 'text/event-stream');
  assert.equal(r.requests[0].headers['cache-control'], 'no-cache');
});

test('request-status-error.htm: 204 and other non-200, non-5xx statuses fail the connection without reconnecting', async () => {
  for (const status of [204, 205, 210, 299, 404, 410]) {
    const r = await collect({ body: '', status, count: 1, retries: 3 });
    assert.ok(r.error, `${status} fails`);
    assert.equal(r.requests.length, 1, `${status}: no reconnect`);
  }
});

test('request-redirect.htm: 301, 302, 303, 307 and 308 are followed', async () => {
  const target = await listen((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end('data:moved\n\n');
  });
  servers.push(target);
  for (const status of [301, 302, 303, 307, 308]) {
    const r = await collect({ body: '', status, headers: { location: `${target.url}/stream` }, count: 1 });
    assert.equal(r.messages[0]?.data, 'moved', `${status}`);
  }
});

test('eventsource-reconnect.js and last-event-id: after the stream ends the client reconnects and sends Last-Event-ID', async () => {
  const r = await collect({ body: (n) => (n === 1 ? 'id:42\ndata:first\n\n' : 'data:second\n\n'), count: 2, retries: 2 });
  assert.deepEqual(
    r.messages.map((m) => m.data),
    ['first', 'second'],
  );
  assert.equal(r.requests[0].headers['last-event-id'], undefined);
  assert.equal(r.requests[1].headers['last-event-id'], '42');
});

test('format-field-id-2.any.js: the last event ID persists until changed (it is what Last-Event-ID carries)', async () => {
  const r = await collect({ body: (n) => (n === 1 ? 'id:1\ndata:a\n\ndata:b\n\n' : 'data:c\n\n'), count: 3, retries: 1 });
  assert.deepEqual(
    r.messages.map((m) => m.data),
    ['a', 'b', 'c'],
  );
  assert.equal(r.requests[1].headers['last-event-id'], '1', 'still 1 after a message without id');
});

test('format-field-id-2.any.js (last-event-id2.py ID_RESETS_1 / ID_RESETS_2): an empty `id:` and a bare `id` reset it (no Last-Event-ID)', async () => {
  for (const reset of ['id:', 'id']) {
    const r = await collect({ body: (n) => (n === 1 ? `id: 1\ndata: 1\n\n${reset}\ndata:2\n\ndata:3\n\n` : 'data:4\n\n'), count: 4, retries: 1 });
    assert.deepEqual(
      r.messages.map((m) => m.data),
      ['1', '2', '3', '4'],
    );
    assert.equal(r.requests[1].headers['last-event-id'], undefined, `reset by "${reset}"`);
  }
  // An id in a block without data still sets it (SSE: the dispatch step sets the ID before checking the data).
  const r = await collect({ body: (n) => (n === 1 ? 'data:a\n\nid: 42\n\n' : 'data:b\n\n'), count: 2, retries: 1 });
  assert.equal(r.requests[1].headers['last-event-id'], '42');
});
