import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EventSource } from 'eventsource';
import { CapturedSseServer } from '../../dist/replay/sse-server.js';

// `replay --serve-sse`'s server (src/replay/sse-server.ts) in-process: a capture's walt.id
// sessions served as SSE on 127.0.0.1, read back with the `eventsource` package, a browser's
// EventSource for Node.

const T0 = Date.parse('2025-06-01T12:00:00.000Z');
const at = (ms) => new Date(T0 + ms).toISOString();
const envelope = (session, event) => ({ target: session, event, session: { id: session, status: 'ACTIVE' } });

/** A record as the capture reader gives it. */
const recordAt = (record, line) => ({ record: { v: 1, status: null, terminal: false, id: null, duplicate: false, ...record }, file: 'c.ndjson', line, bytes: 0 });
const sseRecord = (session, event, ms) => recordAt({ source: 'sse', receivedAt: at(ms), provider: 'waltid', type: event, sessionId: session, data: envelope(session, event) }, 0);
const webhookRecord = (provider, session, event, ms) =>
  recordAt({ source: 'webhook', receivedAt: at(ms), provider, type: event, sessionId: session, data: provider === 'waltid' ? envelope(session, event) : { eventType: event } }, 0);

/** @type {CapturedSseServer} */
let server;
/** @type {boolean[]} */
let added;
before(async () => {
  // Speed 4: the captured gaps of 800 ms are served 200 ms apart.
  server = new CapturedSseServer(4);
  added = [
    sseRecord('s1', 'credential_offer_retrieved', 0),
    webhookRecord('waltid', 'session two', 'credential_offer_created', 100),
    sseRecord('s1', 'token_request_pre_authorized_code_succeeded', 800),
    sseRecord('s1', 'credential_request_w3c_vc_succeeded', 1600),
    // Not walt.id envelopes: not served.
    webhookRecord('didx', 's1', 'openid4vc.issuance.completed', 1700),
    recordAt({ source: 'sse', receivedAt: at(1700), provider: 'waltid', type: 'x', sessionId: null, data: { event: 'x' } }, 0),
    recordAt({ source: 'sse', receivedAt: at(1700), provider: 'waltid', type: 'x', sessionId: 's1', data: 'text' }, 0),
  ].map((r) => server.add(r));
  await server.start('127.0.0.1', 0);
});
after(async () => {
  await server.close();
  // Should close() not close its server (a broken build), the file still ends.
  /** @type {import('node:http').Server | undefined} */ (/** @type {any} */ (server).server)?.closeAllConnections();
  /** @type {import('node:http').Server | undefined} */ (/** @type {any} */ (server).server)?.close();
});

/** Reads `count` messages from a stream with EventSource; each with the time it arrived. */
function read(path, count) {
  return new Promise((resolve, reject) => {
    /** @type {{ data: string, type: string, at: number }[] & { openedAt?: number }} */
    const messages = [];
    messages.openedAt = performance.now();
    const source = new EventSource(`${server.url}${path}`);
    source.onmessage = (event) => {
      messages.push({ data: event.data, type: event.type, at: performance.now() });
      if (messages.length === count) {
        source.close();
        resolve(messages);
      }
    };
    source.onerror = (event) => {
      source.close();
      reject(new Error(`EventSource error on ${path}: ${/** @type {any} */ (event).message ?? 'closed'} after ${messages.length} messages`));
    };
  });
}

test('only walt.id envelopes with a session are served; the sessions and their counts', () => {
  assert.deepEqual(added, [true, true, true, true, false, false, false]);
  assert.deepEqual(server.sessionIds(), [
    { id: 's1', events: 3 },
    { id: 'session two', events: 1 },
  ]);
});

test('a session is served as walt.id serves it: {} first, then its events in captured order, with the captured gaps divided by the speed', async () => {
  const messages = await read('/issuer2/sessions/s1/events', 4);
  assert.deepEqual(
    messages.map((m) => (m.data === '{}' ? '{}' : JSON.parse(m.data).event)),
    ['{}', 'credential_offer_retrieved', 'token_request_pre_authorized_code_succeeded', 'credential_request_w3c_vc_succeeded'],
  );
  assert.deepEqual(JSON.parse(messages[1].data), envelope('s1', 'credential_offer_retrieved'));
  assert.ok(messages.every((m) => m.type === 'message'));
  // 1600 ms captured at speed 4: the last event comes 400 ms after the first, which is sent at
  // once. Measured from opening the stream, a busy machine can only add time (timers never fire
  // early); unscaled gaps would take at least 1600 ms.
  const total = messages[3].at - /** @type {any} */ (messages).openedAt;
  assert.ok(total >= 390 && total < 1600, `${total} ms`);
  // A percent-encoded session id, and the issuer-wide stream with every session's events.
  const two = await read('/issuer2/sessions/session%20two/events', 2);
  assert.equal(JSON.parse(two[1].data).target, 'session two');
  const all = await read('/issuer2/events', 5);
  assert.deepEqual(
    all.slice(1).map((m) => JSON.parse(m.data).event),
    ['credential_offer_retrieved', 'credential_offer_created', 'token_request_pre_authorized_code_succeeded', 'credential_request_w3c_vc_succeeded'],
  );
});

test('an unknown session is answered 200 and closed at once; other routes are walt.id-style errors; CORS for a browser app', async () => {
  const unknown = await fetch(`${server.url}/issuer2/sessions/nope/events`);
  assert.equal(unknown.status, 200);
  assert.equal(unknown.headers.get('content-type'), 'text/event-stream');
  assert.equal(unknown.headers.get('access-control-allow-origin'), '*');
  assert.equal(await unknown.text(), '');
  /** @type {[string, string, number][]} */
  const refused = [
    ['GET', '/issuer2/sessions/s1', 404],
    ['POST', '/issuer2/sessions/s1/events', 404],
    ['GET', '/issuer2/sessions/%E0%A4%A/events', 400],
  ];
  for (const [method, path, status] of refused) {
    const response = await fetch(`${server.url}${path}`, { method });
    assert.equal(response.status, status, `${method} ${path}`);
    const body = await response.json();
    assert.equal(body.exception, true);
    assert.equal(body.code, String(status));
  }
  const preflight = await fetch(`${server.url}/issuer2/sessions/s1/events`, { method: 'OPTIONS' });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET');
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /last-event-id/);
});

test('close() ends the streams left open', async () => {
  const response = await fetch(`${server.url}/issuer2/sessions/session%20two/events`);
  const reader = /** @type {ReadableStream<Uint8Array>} */ (response.body).getReader();
  let text = '';
  // Both messages have arrived; the stream stays open, as walt.id's does.
  while (!text.includes('credential_offer_created')) text += new TextDecoder().decode((await reader.read()).value);
  assert.equal(text, `data: {}\r\n\r\ndata: ${JSON.stringify(envelope('session two', 'credential_offer_created'))}\r\n\r\n`);
  await server.close();
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const ended = await Promise.race([
    (async () => {
      try {
        for (;;) if ((await reader.read()).done) return 'ended';
      } catch {
        return 'ended';
      }
    })(),
    new Promise((resolve) => {
      timer = setTimeout(resolve, 5000, 'still open after 5 s');
    }),
  ]);
  clearTimeout(timer);
  if (ended !== 'ended') await reader.cancel();
  assert.equal(ended, 'ended');
});
