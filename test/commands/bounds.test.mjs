// What a hostile server or target sends is read within bounds (issue 25, findings 16 and 20).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tapEventStream } from '../../dist/sse/byte-tap.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { runCli, startListen } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { listen } from '../helpers/http.mjs';
import { raw, startWithUi } from '../helpers/inspector.mjs';
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

/**
 * A target whose answer never ends (it stops at 256 MB so that a test of the old behaviour ends
 * too). `done` resolves with the bytes it wrote once the client dropped the connection.
 */
async function endlessTarget() {
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const server = await listen((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let written = 0;
      const pump = () => {
        while (written < 256 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => finish(written));
      pump();
    });
  });
  return { ...server, done };
}

// Socket buffers on both sides hold a few MB at most: a client that stops reading leaves the count there.
const HELD_AT_MOST = 32 * 1024 * 1024;

test('16. trigger reads at most what it shows of an endless answer, then drops the connection', async () => {
  const target = await endlessTarget();
  try {
    const r = await runInProcess(['trigger', 'openid4vc.issuance.completed', '--to', `${target.url}/hook`, '--scheme', 'none', '-v'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr.slice(0, 500));
    const written = await target.done;
    assert.ok(written < HELD_AT_MOST, `the target wrote ${written} bytes before trigger let go`);
    assert.match(r.stderr, /^< a{100}/m, 'the start of the answer is shown with -v');
  } finally {
    await target.close();
  }
});

test("16. listen --forward-to reads at most what it shows of the app's endless answer", async () => {
  const target = await endlessTarget();
  const l = await startListen(['--allow-unsigned', '--forward-to', `${target.url}/app`]);
  try {
    const res = await request(l.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"x"}' });
    await res.body.dump();
    const written = await target.done;
    assert.ok(written < HELD_AT_MOST, `the app wrote ${written} bytes before listen let go`);
    for (let i = 0; i < 200 && !/→ http:\S+ 200 in \d+ms/.test(l.stderr()); i++) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    l.child.kill('SIGTERM');
    const done = await l.result;
    await target.close();
    assert.match(done.stderr, /→ http:\S+\/app 200 in \d+ms/);
  }
});

test("16. the inspector's replay and replay -v read at most what they show of an endless answer", async () => {
  const target = await endlessTarget();
  const ui = await startWithUi(['listen', '--ui', '--ui-port', '0', '--port', '0', '--allow-unsigned']);
  try {
    const receiver = /Ready! Listening on (\S+)/.exec(ui.stderr())[1];
    const res = await request(receiver, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"x"}' });
    await res.body.dump();
    const body = JSON.stringify({ seqs: [1], to: `${target.url}/again` });
    const answer = await raw(ui.origin, '/api/replay', { method: 'POST', headers: { 'content-type': 'application/json', 'x-inspector-token': ui.token }, body });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(JSON.parse(answer.text).results[0].status, 200);
    const written = await target.done;
    assert.ok(written < HELD_AT_MOST, `the target wrote ${written} bytes before the inspector let go`);
  } finally {
    ui.child.kill('SIGTERM');
    await ui.result;
    await target.close();
  }
  const again = await endlessTarget();
  try {
    const file = join(mkdtempSync(join(tmpdir(), 'ie-bounds-')), 'h.ndjson');
    const record = {
      v: 1,
      source: 'webhook',
      receivedAt: new Date().toISOString(),
      provider: 'unknown',
      type: 'x',
      id: 'd1',
      data: { type: 'x' },
      verified: false,
      scheme: 'none',
      reason: null,
      duplicate: false,
      request: { method: 'POST', path: '/hook', headers: { 'content-type': 'application/json' }, body: '{"type":"x"}' },
    };
    writeFileSync(file, `${JSON.stringify(record)}\n`);
    const r = await runInProcess(['replay', file, '--to', `${again.url}/hook`, '-v'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr.slice(0, 500));
    const written = await again.done;
    assert.ok(written < HELD_AT_MOST, `the target wrote ${written} bytes before replay let go`);
  } finally {
    await again.close();
  }
});
