import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { eventFromSse } from '../../dist/issuer/catalog.js';
import { SseStream } from '../../dist/sse/stream.js';
import { backoffDelay, parseRetryAfter } from '../../dist/shared/backoff.js';
import { RecentKeys } from '../../dist/shared/recent-keys.js';
import { startSseServer, openStream, writeApart } from '../helpers/sse-server.mjs';

// One stream with CRLF, a multi-byte character, a named event with an id, multi-line data and a
// terminal event; it is cut into two TCP writes at every byte offset.
const BODY = Buffer.from(
  '\uFEFFdata: {}\r\n\r\n' +
    'id: 7\r\nevent: jwt_issue\r\ndata: {"name":"Zoë 🎓",\r\ndata: "target":"s"}\r\n\r\n' +
    ': keep-alive comment\n' +
    'data: {"event":"issuance_status_changed","target":"s","session":{"status":"SUCCESSFUL"}}\n\n',
  'utf8',
);

let srv;
before(async () => {
  srv = await startSseServer({
    '*': async (req, res, { path }) => {
      const cut = Number(path.split('/').pop());
      openStream(res);
      await writeApart(res, BODY.subarray(0, cut));
      res.write(BODY.subarray(cut));
    },
  });
});
after(() => srv.close());

async function collect(url) {
  const seen = [];
  const stream = new SseStream(
    { url, retries: 0, connectTimeoutMs: 5000 },
    {
      onMessage(message) {
        const event = eventFromSse(message, 'fallback');
        if (event) seen.push([event.type, event.id ?? null, event.status ?? null, /** @type {any} */ (event.data)?.name ?? null]);
        return event?.terminal === true;
      },
    },
  );
  await stream.run();
  return seen;
}

test('a chunk boundary at every byte of the stream yields the same events', async () => {
  const expected = [
    ['jwt_issue', '7', null, 'Zoë 🎓'],
    ['issuance_status_changed', null, 'SUCCESSFUL', null],
  ];
  for (let cut = 0; cut <= BODY.length; cut++) {
    assert.deepEqual(await collect(`${srv.url}/split/${cut}`), expected, `cut at byte ${cut}`);
  }
});

test('backoff: full jitter under an exponential ceiling capped at max', () => {
  const opts = (r) => ({ initialMs: 500, maxMs: 30_000, random: () => r });
  assert.equal(backoffDelay(0, opts(1)), 500);
  assert.equal(backoffDelay(3, opts(1)), 4000);
  assert.equal(backoffDelay(10, opts(1)), 30_000);
  assert.equal(backoffDelay(10, opts(0)), 0);
  assert.equal(backoffDelay(2, opts(0.5)), 1000);
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(4, { initialMs: 100, maxMs: 30_000 });
    assert.ok(d >= 0 && d <= 1600, String(d));
  }
});

test('Retry-After: seconds or HTTP date', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(new Date(Date.now() + 5000).toUTCString(), Date.now()) > 3000, true);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});

test('RecentKeys remembers a bounded window', () => {
  const keys = new RecentKeys(3);
  assert.equal(keys.seen('a'), false);
  assert.equal(keys.seen('a'), true);
  keys.seen('b');
  keys.seen('c');
  keys.seen('d'); // evicts a
  assert.equal(keys.seen('a'), false);
  assert.equal(keys.seen('d'), true);
});
