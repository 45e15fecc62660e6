// One test per finding of the adversarial pass on listen, replay and captures (issue "Hardening").
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { request } from 'undici';
import { parseNdjson, startListen, waitFor } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { listen as startServer } from '../helpers/http.mjs';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const IGRANT = 'igrant-webhook-secret-0123456789';
const tmp = () => mkdtempSync(join(tmpdir(), 'ie-hard-'));
const readRecords = (file) => parseNdjson(readFileSync(file, 'utf8'));

function signed(body, { id = `msg_${Math.random().toString(36).slice(2)}`, at = new Date() } = {}) {
  // The header carries the id's UTF-8 bytes (undici sends a header value's characters as bytes).
  return {
    'content-type': 'application/json',
    'webhook-id': Buffer.from(id, 'utf8').toString('latin1'),
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new StandardWebhook(SECRET).sign(id, at, body),
  };
}

async function post(url, body, headers = {}) {
  const res = await request(url, { method: 'POST', headers, body });
  return { status: res.statusCode, text: await res.body.text() };
}

test('1. replay protection: the dedupe id is the one the scheme signed (svix-id, iGrant deliveryID), not an added webhook-id', async () => {
  const file = join(tmp(), 'h.ndjson');
  const l = await startListen(['--secret', SECRET, '--secret', IGRANT, '--save', file]);
  const body = '{"type":"credential.creation.succeeded","data":{"id":"c1"}}';
  const now = new Date();
  const svix = {
    'content-type': 'application/json',
    'svix-id': 'msg_svix1',
    'svix-timestamp': String(Math.floor(now.getTime() / 1000)),
    'svix-signature': new SvixWebhook(SECRET).sign('msg_svix1', now, body),
  };
  assert.equal((await post(l.url, body, svix)).status, 200);
  const replayed = await post(l.url, body, { ...svix, 'webhook-id': 'anything-new' });
  assert.equal(replayed.status, 200);
  assert.match(replayed.text, /duplicate/);
  const ig = JSON.stringify({ deliveryID: 'dlv-1', webhookID: 'w', timestamp: now.toISOString(), type: 'openid.credential.credential_issued', data: {} });
  const t = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const igHeaders = { 'content-type': 'application/json', 'x-igrant-signature': `t=${t},sig=${createHmac('sha256', IGRANT).update(`${t}.${ig}`).digest('hex')}` };
  assert.equal((await post(l.url, ig, igHeaders)).status, 200);
  assert.match((await post(l.url, ig, { ...igHeaders, 'webhook-id': 'other' })).text, /duplicate/);
  l.child.kill('SIGTERM');
  await l.result;
  assert.deepEqual(
    readRecords(file).map((r) => r.id),
    ['msg_svix1', 'dlv-1'],
  );
});

test('2. disk amplification: rejected bodies are kept once, cut to 64 KB', async () => {
  const file = join(tmp(), 'h.ndjson');
  const l = await startListen(['--secret', SECRET, '--save', file, '--max-body', '2mb', '--quiet']);
  const junk = Buffer.alloc(1024 * 1024, 0x01);
  for (let i = 0; i < 20; i++) assert.equal((await post(l.url, junk, { 'content-type': 'application/octet-stream' })).status, 401);
  l.child.kill('SIGTERM');
  await l.result;
  const size = statSync(file).size;
  assert.ok(size < 20 * 200 * 1024, `capture is ${size} bytes for 20 MB of rejected junk`);
  const record = readRecords(file)[0];
  assert.equal(record.data, null, 'the body is not stored twice');
  assert.deepEqual([record.request.bodyTruncated, record.request.bodySize], [true, 1024 * 1024]);
});

/** A 64 KB tmpfs, or undefined when this machine does not let us mount one. */
function smallDisk() {
  const dir = tmp();
  const mount = join(dir, 'disk');
  mkdirSync(mount);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { dir: mount, unmount: () => execFileSync('umount', [mount], { stdio: 'ignore' }) };
}

test('3+4. a full disk: 503 (never 2xx before the write), no torn line, capture resumes with space, exit 1 at the end', async (t) => {
  const disk = smallDisk();
  if (!disk) return t.skip('cannot mount a tmpfs here (needs root)');
  try {
    const file = join(disk.dir, 'h.ndjson');
    const filler = join(disk.dir, 'filler');
    const l = await startListen(['--secret', SECRET, '--save', file, '--quiet']);
    writeFileSync(filler, Buffer.alloc(60 * 1024, 1));
    const body = JSON.stringify({ type: 'x', pad: 'p'.repeat(8000) });
    const headers = signed(body, { id: 'msg_same' });
    const statuses = await Promise.all(Array.from({ length: 10 }, () => post(l.url, body, headers).then((r) => r.status)));
    assert.deepEqual([...new Set(statuses)], [503], `no 2xx while the write fails: ${statuses}`);
    rmSync(filler);
    assert.equal((await post(l.url, body, headers)).status, 200, 'capture resumes once there is room');
    l.child.kill('SIGTERM');
    const done = await l.result;
    assert.equal(done.code, 1, 'exit 1: writes failed during the run');
    assert.match(done.stderr, /capture write failed \(ENOSPC\)/);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.endsWith('\n'), 'whole lines only');
    assert.deepEqual(
      parseNdjson(text).map((r) => r.id),
      ['msg_same'],
    );
  } finally {
    disk.unmount();
  }
});

test('4. tail --save on a full disk stops at the first failed write with exit 1', async () => {
  const { startSseServer, openStream, frame, envelope } = await import('../helpers/sse-server.mjs');
  const srv = await startSseServer({
    '/issuer2/sessions/full/events': async (req, res) => {
      openStream(res);
      for (let i = 0; i < 1000 && !res.destroyed; i++) res.write(frame(envelope('full', 'credential_offer_retrieved', { requestId: `r${i}` })));
    },
  });
  try {
    const r = await runInProcess(['tail', 'full', '--base-url', srv.url, '--save', '/dev/full', '--timeout', '20s', '--quiet']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /could not write to capture file/);
  } finally {
    await srv.close();
  }
});

test('5. deep nesting: a signed body of 20k nested arrays is counted, printed, recorded and forwarded; replay refuses a deep record', async () => {
  const file = join(tmp(), 'h.ndjson');
  let forwarded = 0;
  const app = await startServer((req, res) => {
    forwarded++;
    req.resume();
    res.end();
  });
  const l = await startListen(['--secret', SECRET, '--save', file, '--count', '1', '--timeout', '20s', '--json', '--forward-to', app.url]);
  const body = `${'['.repeat(20000)}${']'.repeat(20000)}`;
  assert.equal((await post(l.url, body, signed(body))).status, 200);
  const done = await l.result;
  assert.equal(done.code, 0, done.stderr);
  assert.equal(parseNdjson(done.stdout).length, 1);
  assert.equal(readRecords(file)[0].request.body, body, 'recorded verbatim');
  assert.equal(forwarded, 1);
  await app.close();
  const dry = await runInProcess(['replay', file, '--to', 'http://127.0.0.1:9/x', '--dry-run']);
  assert.equal(dry.code, 0, `the capture replays: ${dry.stderr}`);
  const deep = join(tmp(), 'deep.ndjson');
  writeFileSync(deep, `{"v":1,"source":"sse","receivedAt":"2026-01-01T00:00:00Z","data":${'['.repeat(5000)}${']'.repeat(5000)}}\n`);
  const r = await runInProcess(['replay', deep, '--to', 'http://127.0.0.1:9/x']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /deep\.ndjson:1: data nested deeper than 128 levels/);
});

test('6. shutdown is bounded: a client trickling a body cannot hold SIGTERM', async () => {
  const l = await startListen(['--secret', SECRET, '--quiet']);
  const { port } = new URL(l.url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => {});
  socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n{');
  const trickle = setInterval(() => socket.write(' '), 500);
  // listen answers 100 Continue as it takes the request: from then on the request is in flight.
  assert.match(String(await new Promise((resolve) => socket.once('data', resolve))), /^HTTP\/1\.1 100 Continue/);
  const started = performance.now();
  l.child.kill('SIGTERM');
  const done = await l.result;
  clearInterval(trickle);
  socket.destroy();
  assert.equal(done.code, 0);
  assert.ok(performance.now() - started < 15_000, `stopped in ${Math.round(performance.now() - started)} ms`);
});

test('7. --max-connections bounds open sockets; a 15 kB id is deduplicated by its hash', async () => {
  const l = await startListen(['--secret', SECRET, '--max-connections', '5', '--quiet']);
  const { port } = new URL(l.url);
  const sockets = Array.from({ length: 12 }, () => connect(Number(port), '127.0.0.1').on('error', () => {}));
  const isClosed = (s) => s.destroyed || s.readyState === 'closed';
  await waitFor(() => sockets.filter(isClosed).length >= 7);
  const closed = sockets.filter(isClosed).length;
  for (const s of sockets) s.destroy();
  assert.ok(closed >= 7, `${closed} of 12 sockets closed by the server`);
  const id = `msg_${'x'.repeat(15_000)}`;
  const body = '{"type":"a"}';
  // listen frees the slots as it sees the 12 sockets close: until then it closes a new connection.
  let first;
  for (let attempt = 1; !first; attempt++) first = await post(l.url, body, signed(body, { id })).catch((error) => (attempt < 100 ? undefined : Promise.reject(error)));
  assert.equal(first.status, 200);
  assert.match((await post(l.url, body, signed(body, { id }))).text, /duplicate/);
  l.child.kill('SIGTERM');
  await l.result;
});

test('8. replay type-checks every record before sending anything; --concurrency is bounded', async () => {
  let hits = 0;
  const target = await startServer((req, res) => {
    hits++;
    req.resume();
    res.end();
  });
  const ok = '{"v":1,"source":"webhook","receivedAt":"2026-01-01T00:00:00Z","request":{"method":"POST","path":"/","headers":{},"body":"{}"}}';
  /** @type {[string, string, RegExp][]} */
  const bad = [
    [
      '"headers":null',
      '{"v":1,"source":"webhook","receivedAt":"2026-01-01T00:00:00Z","request":{"method":"POST","path":"/","headers":null,"body":"{}"}}',
      /request\.headers is not an object/,
    ],
    [
      'numeric body',
      '{"v":1,"source":"webhook","receivedAt":"2026-01-01T00:00:00Z","request":{"method":"POST","path":"/","headers":{},"body":5}}',
      /request\.body is not a string/,
    ],
    [
      'object bodyBase64',
      '{"v":1,"source":"webhook","receivedAt":"2026-01-01T00:00:00Z","request":{"method":"POST","path":"/","headers":{},"bodyBase64":{}}}',
      /request\.bodyBase64 is not a string/,
    ],
    ['SSE without data', '{"v":1,"source":"sse","receivedAt":"2026-01-01T00:00:00Z"}', /an SSE record without data/],
  ];
  try {
    for (const [what, line, pattern] of bad) {
      const file = join(tmp(), 'r.ndjson');
      writeFileSync(file, `${ok}\n${line}\n`);
      const r = await runInProcess(['replay', file, '--to', target.url]);
      assert.equal(r.code, 2, what);
      assert.match(r.stderr, new RegExp(`r\\.ndjson:2: ${pattern.source}`), what);
    }
    assert.equal(hits, 0, 'nothing was sent');
    const file = join(tmp(), 'r.ndjson');
    writeFileSync(file, `${ok}\n`);
    const r = await runInProcess(['replay', file, '--to', target.url, '--concurrency', '100000']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid --concurrency "100000": at most 1024/);
  } finally {
    await target.close();
  }
});

test('8. replay splits lines in linear time: a 24 MB record line is read in seconds', async () => {
  const file = join(tmp(), 'big.ndjson');
  const big = JSON.stringify({
    v: 1,
    source: 'webhook',
    receivedAt: '2026-01-01T00:00:00Z',
    request: { method: 'POST', path: '/', headers: {}, body: 'b'.repeat(24 * 1024 * 1024) },
  });
  writeFileSync(file, `${big}\n`);
  const r = await runInProcess(['replay', file, '--to', 'http://127.0.0.1:9/x', '--dry-run'], { timed: true });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.activeMs < 10_000, `${Math.round(r.activeMs)} ms`);
});

test('9. durations a timer cannot hold are refused at parse time, naming the flag', async () => {
  const r = await runInProcess(['listen', '--port', '0', '--allow-unsigned', '--timeout', '600h']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: invalid --timeout "600h": at most /);
});

test('10. private JWK members are redacted in captures and output (paths listed); --no-redact keeps them; C1 and bidi controls are escaped', async () => {
  const file = join(tmp(), 'h.ndjson');
  const l = await startListen(['--allow-unsigned', '--save', file, '--json', '--count', '1', '--timeout', '20s']);
  const envelope = {
    target: 's',
    event: 'jwt_issue',
    session: { id: 's', issuerKey: { type: 'jwk', jwk: { kty: 'OKP', crv: 'Ed25519', x: 'pub', d: 'PRIVATE-KEY-MATERIAL' } } },
    note: 'csi\u009b2J rtl\u202eevil',
  };
  assert.equal((await post(l.url, JSON.stringify(envelope), { 'content-type': 'application/json' })).status, 200);
  const done = await l.result;
  assert.doesNotMatch(done.stdout, /PRIVATE-KEY-MATERIAL/);
  assert.doesNotMatch(readFileSync(file, 'utf8'), /PRIVATE-KEY-MATERIAL/);
  const [record] = readRecords(file);
  assert.deepEqual(record.redacted, ['session.issuerKey.jwk.d']);
  assert.equal(record.data.session.issuerKey.jwk.d, '[redacted]');
  assert.ok(done.stdout.includes('\\u009b') && done.stdout.includes('\\u202e'), 'escaped in --json');
  assert.ok(!done.stdout.includes('\u009b') && !done.stdout.includes('\u202e'));
  const keep = await startListen(['--allow-unsigned', '--json', '--count', '1', '--timeout', '20s', '--no-redact']);
  await post(keep.url, JSON.stringify(envelope), { 'content-type': 'application/json' });
  assert.match((await keep.result).stdout, /PRIVATE-KEY-MATERIAL/);
  const pretty = await startListen(['--allow-unsigned', '--count', '1', '--timeout', '20s', '-v']);
  await post(pretty.url, JSON.stringify(envelope), { 'content-type': 'application/json' });
  const shown = (await pretty.result).stdout;
  assert.ok(!shown.includes('\u202e') && !shown.includes('\u009b'), 'escaped in pretty output');
});

test('11. a BOM before signed JSON is accepted; a non-ASCII webhook-id verifies; a repeated id with another body is a conflict', async () => {
  const file = join(tmp(), 'h.ndjson');
  const l = await startListen(['--secret', SECRET, '--save', file]);
  const bom = '\uFEFF{"type":"bom"}';
  assert.equal((await post(l.url, bom, signed(bom))).status, 200);
  const body = '{"type":"utf"}';
  assert.equal((await post(l.url, body, signed(body, { id: 'msg_café' }))).status, 200);
  const other = '{"type":"other"}';
  const again = await post(l.url, other, signed(other, { id: 'msg_café' }));
  assert.match(again.text, /duplicate/);
  l.child.kill('SIGTERM');
  const done = await l.result;
  assert.match(done.stderr, /delivery id msg_café repeated with a different body: recorded as a conflict/);
  const records = readRecords(file);
  assert.deepEqual(
    records.map((r) => [r.type, r.id, r.conflict ?? false]),
    [
      ['bom', records[0].id, false],
      ['utf', 'msg_café', false],
      ['other', 'msg_café', true],
    ],
  );
});

test('11. a secret that cannot serve the chosen scheme is warned about at start', async () => {
  const l = await startListen(['--scheme', 'standard', '--secret', 'not-base64!', '--quiet']);
  l.child.kill('SIGTERM');
  const done = await l.result;
  assert.match(done.stderr, /warning: no --secret is usable for standard/);
});
