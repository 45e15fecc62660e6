import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { EventSource } from 'eventsource';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { runCli, startListen, parseNdjson } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { listen as startServer, readBody, refusedPort } from '../helpers/http.mjs';
import { startSseServer, openStream, frame, envelope } from '../helpers/sse-server.mjs';

const S1 = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const S2 = 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const tmp = () => mkdtempSync(join(tmpdir(), 'ie-replay-'));

/** @param {string} secret @param {string} body @param {string} id @param {Date} [at] */
function signed(secret, body, id, at = new Date()) {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new StandardWebhook(secret).sign(id, at, body),
  };
}

/** A receiver that records requests; `plan(n)` returns the status for the n-th request. */
/** @param {(n: number) => number} [plan] */
async function receiver(plan = () => 200) {
  const got = [];
  const srv = await startServer(async (req, res) => {
    const body = await readBody(req);
    got.push({ headers: req.headers, body, at: Date.now() });
    res.writeHead(plan(got.length), { 'content-type': 'application/json' });
    res.end('{}');
  });
  return { ...srv, got };
}

async function capture(bodies, { invalid = false } = {}) {
  const file = join(tmp(), 'cap.ndjson');
  const l = await startListen(['--secret', S1, '--save', file, '--quiet']);
  for (const [i, body] of bodies.entries()) {
    await request(l.url, { method: 'POST', headers: signed(S1, body, `msg_${i}`), body }).then((r) => r.body.dump());
  }
  if (invalid) await request(l.url, { method: 'POST', headers: signed(S2, '{"bad":1}', 'msg_bad'), body: '{"bad":1}' }).then((r) => r.body.dump());
  l.child.kill('SIGTERM');
  await l.result;
  return file;
}

const BODIES = [
  JSON.stringify({ eventType: 'openid4vc.issuance.offered', payload: { openId4VcIssuanceId: 'A' } }),
  JSON.stringify({ eventType: 'openid4vc.issuance.completed', payload: { openId4VcIssuanceId: 'A' }, note: 'Zoë 🎓' }),
  JSON.stringify({ type: 'credential.creation.succeeded', data: { credentialId: 'B' } }),
  '{"eventType":"openid4vc.issuance.failed",   "payload":{"openId4VcIssuanceId":"C"}}',
];

test('listen → capture → replay re-signed: byte-exact, in order, verified by the official library', async () => {
  const file = await capture(BODIES, { invalid: true });
  const target = await receiver();
  const r = await runInProcess(['replay', file, '--to', `${target.url}/in`, '--scheme', 'standard', '--secret', S2]);
  await target.close();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(target.got.length, 4, 'the rejected delivery is not replayed');
  const wh = new StandardWebhook(S2);
  for (const [i, got] of target.got.entries()) {
    assert.equal(got.body.toString('utf8'), BODIES[i]);
    assert.doesNotThrow(() => wh.verify(got.body.toString('utf8'), got.headers));
    assert.equal(got.headers['webhook-id'], `msg_${i}`, 'same delivery id');
    assert.ok(Math.abs(Number(got.headers['webhook-timestamp']) - Date.now() / 1000) < 30, 'fresh timestamp');
  }
  assert.match(r.stderr, /Sent 4: 4 delivered \(2xx\), 0 failed; 4 attempts \(0 retries\); latency p50 \d+ms, p99 \d+ms/);
  assert.equal(r.stdout.trim().split('\n').length, 4);
});

test('without re-signing: original headers verbatim, with a warning when they are stale; --new-ids', async () => {
  const file = join(tmp(), 'old.ndjson');
  const body = '{"type":"x"}';
  const old = new Date(Date.now() - 3_600_000);
  const headers = { ...signed(S1, body, 'msg_old', old), authorization: '[redacted]', host: 'example', 'x-extra': 'kept' };
  writeFileSync(
    file,
    `${JSON.stringify({ v: 1, source: 'webhook', receivedAt: old.toISOString(), type: 'x', id: 'msg_old', verified: true, reason: null, request: { method: 'POST', path: '/', headers, body } })}\n`,
  );
  const target = await receiver();
  let r = await runInProcess(['replay', file, '--to', target.url]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: original signatures are 60 min old/);
  const got = target.got[0];
  assert.equal(got.headers['webhook-signature'], headers['webhook-signature']);
  assert.equal(got.headers['x-extra'], 'kept');
  assert.equal(got.headers.authorization, undefined, 'redacted values are not sent');
  assert.notEqual(got.headers.host, 'example');
  r = await runInProcess(['replay', file, '--to', target.url, '--scheme', 'standard', '--secret', S1, '--new-ids']);
  assert.equal(r.code, 0);
  assert.notEqual(target.got[1].headers['webhook-id'], 'msg_old');
  assert.doesNotMatch(r.stderr, /warning/);
  await target.close();
});

test('filters, --json results, --dry-run sends nothing', async () => {
  const file = await capture(BODIES);
  const target = await receiver();
  let r = await runInProcess(['replay', file, '--to', target.url, '--filter', 'session=A', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const results = parseNdjson(r.stdout);
  assert.deepEqual(
    results.map((x) => [x.index, x.type, x.status, x.ok, x.attempts]),
    [
      [1, 'openid4vc.issuance.offered', 200, true, 1],
      [2, 'openid4vc.issuance.completed', 200, true, 1],
    ],
  );
  // Every result says what it is, and milliseconds are whole.
  assert.ok(results.every((x) => x.kind === 'replay' && Number.isInteger(x.ms)));
  // -v: each delivery attempt as curl -v shows it.
  const verbose = await receiver();
  r = await runInProcess(['replay', file, '--to', `${verbose.url}/v`, '--filter', 'session=A', '-v']);
  await verbose.close();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.match(new RegExp(`^> POST ${verbose.url}/v$`, 'gm'))?.length, 2);
  assert.equal(r.stderr.match(/^< 200 \(\d+ ms\)$/gm)?.length, 2);
  assert.match(r.stderr, /^> \{"eventType":"openid4vc\.issuance\.offered"/m);
  r = await runInProcess(['replay', file, '--to', target.url, '--filter', 'type=openid4vc.*', '--filter', 'provider=didx', '--filter', 'session=C']);
  assert.equal(r.code, 0);
  assert.equal(target.got.length, 3);
  assert.equal(target.got[2].body.toString(), BODIES[3]);
  r = await runInProcess(['replay', file, '--to', target.url, '--dry-run']);
  assert.equal(r.code, 0);
  assert.equal(target.got.length, 3, 'dry run sent nothing');
  assert.equal(r.stdout.trim().split('\n').length, 4);
  assert.match(r.stderr, /dry run: 4 deliveries would be sent/);
  r = await runInProcess(['replay', file, '--to', target.url, '--filter', 'colour=red']);
  assert.equal(r.code, 2);
  // An empty selection fails (a wrong filter in CI must not pass); --dry-run needs no --to.
  r = await runInProcess(['replay', file, '--to', target.url, '--filter', 'session=nobody']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^error: nothing to replay: no record of 4 matches the filters/m);
  r = await runInProcess(['replay', file, '--dry-run', '--json', '--port', '9999']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: --port and --host apply to --serve-sse only; ignored when sending/);
  const plans = parseNdjson(r.stdout);
  assert.equal(plans.length, 4);
  assert.deepEqual([...new Set(plans.map((p) => p.kind))], ['replay-plan']);
  assert.equal(plans[0].to, null);
  await target.close();
});

test('retries 5xx with backoff; a dead target exits 1 listing the failures', async () => {
  const file = await capture(BODIES.slice(0, 2));
  const flaky = await receiver((n) => (n <= 2 ? 503 : 200));
  let r = await runInProcess(['replay', file, '--to', flaky.url, '--retries', '3']);
  await flaky.close();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(flaky.got.length, 4);
  assert.match(r.stderr, /Sent 2: 2 delivered \(2xx\), 0 failed; 4 attempts \(2 retries\)/);
  assert.match(r.stdout, /\(3 attempts\)/);
  const port = await refusedPort();
  r = await runInProcess(['replay', file, '--to', `http://127.0.0.1:${port}/x`, '--retries', '1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Sent 2: 0 delivered \(2xx\), 2 failed; 4 attempts \(2 retries\)/);
  // Each failure is reported once, where it happened (not again in the summary).
  assert.equal(r.stdout.match(/✗ ERR .*msg_0 \(2 attempts\) {2}connection refused/g)?.length, 1);
  assert.doesNotMatch(r.stderr, /msg_0/);
  const picky = await receiver(() => 422);
  r = await runInProcess(['replay', file, '--to', picky.url, '--retries', '3']);
  await picky.close();
  assert.equal(r.code, 1);
  assert.equal(picky.got.length, 2, '4xx is not retried');
});

test('corrupt capture files exit 2 naming file and line before anything is sent; --skip-invalid goes on', async () => {
  const file = await capture(BODIES.slice(0, 2));
  const text = readFileSync(file, 'utf8');
  const bad = join(tmp(), 'bad.ndjson');
  writeFileSync(bad, `${text.split('\n')[0]}\n{"v":1,"source":"webhook"\n${text.split('\n')[1]}\n{"v":2,"source":"sse"}\n`);
  const target = await receiver();
  let r = await runInProcess(['replay', bad, '--to', target.url]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: .*bad\.ndjson:2: invalid JSON\n$/);
  assert.equal(target.got.length, 0);
  r = await runInProcess(['replay', bad, '--to', target.url, '--skip-invalid']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /skipped 2 invalid lines/);
  assert.equal(target.got.length, 2);
  r = await runInProcess(['replay', '/no/such.ndjson', '--to', target.url]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot read capture file \/no\/such\.ndjson: ENOENT/);
  await target.close();
});

test('a capture with a UTF-8 BOM is read; a pretty-printed JSON capture is said to be JSON, not NDJSON, with the jq -c that converts it', async () => {
  const dir = tmp();
  const records = [0, 1].map((n) => ({ v: 1, source: 'sse', receivedAt: `2026-01-01T00:00:0${n}.000Z`, type: 'e', sessionId: 's', data: { target: 's', event: 'e', n } }));
  const bom = join(dir, 'bom.ndjson');
  writeFileSync(bom, `\ufeff${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  let r = await runInProcess(['replay', bom, '--dry-run', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    parseNdjson(r.stdout).map((p) => p.line),
    [1, 2],
  );
  const array = join(dir, 'pretty.json');
  writeFileSync(array, JSON.stringify(records, null, 2));
  r = await runInProcess(['replay', array, '--dry-run']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `error: ${array}:1: a JSON array, not NDJSON (one record per line): convert it with jq -c '.[]' ${array} > ${join(dir, 'pretty.ndjson')}\n`);
  const one = join(dir, 'one.ndjson');
  writeFileSync(one, `\ufeff${JSON.stringify(records[0], null, 2)}\n`);
  r = await runInProcess(['replay', one, '--dry-run']);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `error: ${one}:1: a JSON document over several lines, not NDJSON (one record per line): convert it with jq -c . ${one} > ${join(dir, 'one-lines.ndjson')}\n`,
  );
  // Not JSON at all: the line's own reason, as before.
  const garbage = join(dir, 'garbage.ndjson');
  writeFileSync(garbage, '{\n  "v": 1,\n');
  r = await runInProcess(['replay', garbage, '--dry-run']);
  assert.equal(r.stderr, `error: ${garbage}:1: invalid JSON\n`);
});

test('--rate and --speed space the deliveries (generous bounds)', async () => {
  const file = join(tmp(), 'timed.ndjson');
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const lines = [0, 1000, 2000, 3000].map((ms, i) =>
    JSON.stringify({ v: 1, source: 'sse', receivedAt: new Date(t0 + ms).toISOString(), type: 'e', sessionId: 's', data: { target: 's', event: 'e', n: i } }),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
  const target = await receiver();
  let r = await runInProcess(['replay', file, '--to', target.url, '--rate', '10/s']);
  assert.equal(r.code, 0, r.stderr);
  // Measured from the second delivery: the first one also opens the connection, which under load
  // delays its arrival and shortens the span seen here although the starts were 100 ms apart.
  let span = target.got.at(-1).at - target.got[1].at;
  assert.ok(span >= 150 && span < 5000, `rate span ${span}`);
  assert.deepEqual(
    target.got.map((g) => JSON.parse(g.body).n),
    [0, 1, 2, 3],
  );
  target.got.length = 0;
  r = await runInProcess(['replay', file, '--to', target.url, '--speed', '10']);
  assert.equal(r.code, 0, r.stderr);
  span = target.got.at(-1).at - target.got[1].at;
  assert.ok(span >= 150 && span < 5000, `speed span ${span}`);
  await target.close();
});

test('--concurrency 16: every delivery arrives exactly once', async () => {
  const file = join(tmp(), 'many.ndjson');
  const lines = Array.from({ length: 300 }, (_, i) =>
    JSON.stringify({
      v: 1,
      source: 'webhook',
      receivedAt: new Date().toISOString(),
      type: 't',
      id: `m${i}`,
      verified: true,
      reason: null,
      request: { method: 'POST', path: '/', headers: { 'content-type': 'application/json' }, body: `{"n":${i}}` },
    }),
  );
  // A binary body survives as bodyBase64.
  lines.push(
    JSON.stringify({
      v: 1,
      source: 'webhook',
      receivedAt: new Date().toISOString(),
      type: null,
      id: 'bin',
      request: { method: 'POST', path: '/', headers: {}, bodyBase64: Buffer.from([0, 255, 128, 10]).toString('base64') },
    }),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
  const target = await receiver();
  const r = await runInProcess(['replay', file, '--to', target.url, '--concurrency', '16', '--quiet']);
  await target.close();
  assert.equal(r.code, 0, r.stderr);
  const ns = target.got
    .map((g) => g.body)
    .filter((b) => b[0] === 0x7b)
    .map((b) => JSON.parse(b).n)
    .sort((a, b) => a - b);
  assert.deepEqual(
    ns,
    Array.from({ length: 300 }, (_, i) => i),
  );
  assert.ok(target.got.some((g) => g.body.equals(Buffer.from([0, 255, 128, 10]))));
});

test('--serve-sse: a session captured by tail is served again and tail follows it end to end', async () => {
  const events = [
    envelope('sess-1', 'credential_offer_retrieved'),
    envelope('sess-1', 'credential_request_sd_jwt_vc_succeeded'),
    envelope('sess-1', 'issuance_status_changed', { status: 'SUCCESSFUL' }),
  ];
  const live = await startSseServer({
    '/issuer2/sessions/sess-1/events': (req, res) => {
      openStream(res);
      res.write(frame('{}'));
      for (const e of events) res.write(frame(e));
    },
  });
  const file = join(tmp(), 'sse.ndjson');
  let r = await runInProcess(['tail', 'sess-1', '--base-url', live.url, '--save', file, '--quiet']);
  await live.close();
  assert.equal(r.code, 0, r.stderr);

  let ready;
  const readyP = new Promise((resolve) => (ready = resolve));
  let err = '';
  const serving = runCli(['replay', file, '--serve-sse', '--port', '0', '--speed', '100'], {
    onStderr(d) {
      err += d;
      const m = /Ready! Serving 1 session at (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) ready(m[1]);
    },
  });
  const origin = await readyP;
  r = await runInProcess(['tail', 'sess-1', '--base-url', origin, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    parseNdjson(r.stdout).map((x) => x.data),
    events,
  );
  // The real `eventsource` client reads the same stream.
  const seen = await new Promise((resolve, reject) => {
    const got = [];
    const es = new EventSource(`${origin}/issuer2/sessions/sess-1/events`);
    es.onmessage = (m) => {
      got.push(JSON.parse(m.data));
      if (got.length === 4) {
        es.close();
        resolve(got);
      }
    };
    es.onerror = (e) => reject(new Error(`eventsource error ${e.message}`));
  });
  assert.deepEqual(seen, [{}, ...events]);
  // An unknown session answers 200 and closes at once, like walt.id: tail exits 5.
  r = await runInProcess(['tail', 'nope', '--base-url', origin]);
  assert.equal(r.code, 5);
  serving.child.kill('SIGINT');
  const done = await serving;
  assert.equal(done.code, 130);
  assert.match(done.stdout, /^sess-1 {2}3 events {2}http:\/\/127\.0\.0\.1:\d+\/issuer2\/sessions\/sess-1\/events$/m);
});

test('a directory given as a capture file exits 2 naming it, in every mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-replay-dir-'));
  for (const args of [['--to', 'http://127.0.0.1:1/'], ['--dry-run'], ['--serve-sse', '--port', '0']]) {
    const r = await runInProcess(['replay', dir, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, `error: cannot read capture file ${dir}: EISDIR\n`);
  }
});

test('usage errors', async () => {
  for (const args of [
    ['replay'],
    ['replay', 'f.ndjson'],
    ['replay', 'f.ndjson', '--to', 'nope'],
    ['replay', 'f.ndjson', '--to', 'http://x', '--scheme', 'bearer', '--secret', 's'],
    ['replay', 'f.ndjson', '--to', 'http://x', '--secret', 's'],
    ['replay', 'f.ndjson', '--to', 'http://x', '--rate', 'fast'],
  ]) {
    const r = await runInProcess(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
