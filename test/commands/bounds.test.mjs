// What a hostile server or target sends is read within bounds (issue 25, findings 16 and 20).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tapEventStream } from '../../dist/sse/byte-tap.js';
import { runCli } from '../helpers/cli.mjs';
import { frame, openStream, startSseServer } from '../helpers/sse-server.mjs';

test("20. tail caps the server's retry: like Retry-After (5 minutes), and no timer overflows", async () => {
  const server = await startSseServer({
    '/issuer2/sessions/s1/events': (_req, res) => {
      openStream(res);
      // One event, then the stream ends: tail reconnects after the server's reconnection time.
      res.end(frame({ target: 's1', event: 'offer_resolved', session: { id: 's1' } }, { retry: '99999999999' }));
    },
  });
  try {
    let seen = '';
    const r = await runCli(['tail', `${server.url}/issuer2/sessions/s1/events`, '--retries', '3'], {
      timeoutMs: 20_000,
      onStderr(d, child) {
        seen += d;
        if (/reconnecting in/.test(seen)) child.kill('SIGTERM');
      },
    });
    assert.match(r.stderr, /stream ended; reconnecting in (\d+(\.\d+)?(ms|s)|[1-4](\.\d)?m|5(\.\d)?m)\b/, r.stderr);
    assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning|\d+(\.\d+)?h\b/);
  } finally {
    await server.close();
  }
});

test('20. the byte tap rewrites a retry: field above the cap, also split across chunks, and passes every other byte through', async () => {
  const chunks = ['data: a\n\nret', 'ry: 99999', '999999\nid: 7\nretry:1500\n', 'data: b\n\nretry: 12', '34567890123\n\n', 'retryx: 5\n\ndata: c\n\n'];
  const body = new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });
  /** @type {number[]} */
  const retries = [];
  const tapped = tapEventStream(body, 1024 * 1024, 300_000, { onBytes() {}, onRetry: (ms) => retries.push(ms) });
  let out = '';
  for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (tapped))) out += Buffer.from(chunk).toString('latin1');
  assert.equal(out, 'data: a\n\nretry:300000\nid: 7\nretry:1500\ndata: b\n\nretry:300000\n\nretryx: 5\n\ndata: c\n\n');
  assert.deepEqual(retries, [300_000, 1500, 300_000]);
});
