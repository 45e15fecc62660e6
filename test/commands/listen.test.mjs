import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, Agent } from 'undici';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BIN, cleanEnv, startListen, parseNdjson, visibleWidth, waitFor } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { listen as startServer, readBody } from '../helpers/http.mjs';
import { createHmac } from 'node:crypto';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const _wh = new StandardWebhook(SECRET);
const tmp = () => mkdtempSync(join(tmpdir(), 'ie-listen-'));
const readRecords = (file) => parseNdjson(readFileSync(file, 'utf8'));

function signed(body, { id = `msg_${Math.random().toString(36).slice(2)}`, at = new Date(), secret = SECRET } = {}) {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new StandardWebhook(secret).sign(id, at, body),
  };
}

async function post(url, body, headers = {}, method = 'POST') {
  const res = await request(url, { method, headers, body });
  return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
}

test('Ready line, Standard Webhooks verified with the official signer, record written before the answer', async () => {
  const file = join(tmp(), 'hooks.ndjson');
  const l = await startListen(['--secret', SECRET, '--save', file, '--json']);
  assert.match(l.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const body = JSON.stringify({ eventType: 'openid4vc.issuance.completed', payload: { openId4VcIssuanceId: 'iss-1' } });
  const headers = signed(body, { id: 'msg_a' });
  const r = await post(`${l.origin}/hooks/didx`, body, headers);
  assert.equal(r.status, 200);
  // The record is in the file by the time the 2xx arrives.
  const [rec] = readRecords(file);
  assert.equal(rec.v, 1);
  assert.equal(rec.source, 'webhook');
  assert.equal(rec.provider, 'didx');
  assert.equal(rec.type, 'openid4vc.issuance.completed');
  assert.equal(rec.sessionId, 'iss-1');
  assert.equal(rec.status, 'SUCCESSFUL');
  assert.equal(rec.terminal, true);
  assert.equal(rec.id, 'msg_a');
  assert.equal(rec.verified, true);
  assert.equal(rec.scheme, 'standard');
  assert.equal(rec.reason, null);
  assert.equal(rec.duplicate, false);
  assert.equal(rec.request.method, 'POST');
  assert.equal(rec.request.path, '/hooks/didx');
  assert.equal(rec.request.body, body);
  assert.equal(rec.request.headers['webhook-signature'], headers['webhook-signature']);
  // Svix-style headers from the svix library, and a Crossmint payload.
  const cm = JSON.stringify({ type: 'credential.creation.failed', data: { credentialId: 'cred-9' } });
  const now = new Date();
  const svixSig = new SvixWebhook(SECRET).sign('msg_svix', now, cm);
  assert.equal(
    (await post(l.url, cm, { 'svix-id': 'msg_svix', 'svix-timestamp': String(Math.floor(now.getTime() / 1000)), 'svix-signature': svixSig, 'content-type': 'application/json' }))
      .status,
    200,
  );
  l.child.kill('SIGINT');
  const done = await l.result;
  assert.equal(done.code, 130);
  const printed = parseNdjson(done.stdout);
  assert.deepEqual(
    printed.map((x) => [x.provider, x.type, x.status]),
    [
      ['didx', 'openid4vc.issuance.completed', 'SUCCESSFUL'],
      ['crossmint', 'credential.creation.failed', 'FAILED'],
    ],
  );
  assert.equal(readRecords(file).length, 2);
  assert.doesNotMatch(done.stderr, /MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw/, 'the secret is never printed');
});

test('rejections: 401 generic body with the reason only on stderr; 400, 413, 405, 404; all recorded', async () => {
  const file = join(tmp(), 'hooks.ndjson');
  const l = await startListen(['--secret', SECRET, '--save', file, '--path', '/hook', '--max-body', '1kb']);
  const url = `${l.origin}/hook`;
  const body = '{"type":"x"}';
  const stale = signed(body, { at: new Date(Date.now() - 712_000) });
  let r = await post(url, body, stale);
  assert.equal(r.status, 401);
  assert.equal(r.text, '{"error":"invalid signature"}');
  r = await post(url, body, { ...signed(body), 'webhook-signature': 'v1,' });
  assert.equal(r.status, 401);
  r = await post(url, body, { 'content-type': 'application/json' });
  assert.equal(r.status, 401, 'unsigned');
  r = await post(url, '{not json', signed('{not json'));
  assert.equal(r.status, 400);
  r = await post(url, 'x'.repeat(2048), signed('x'.repeat(2048)));
  assert.equal(r.status, 413);
  // Chunked (no Content-Length) and too large: caught while streaming.
  const big = async function* () {
    for (let i = 0; i < 10; i++) yield Buffer.alloc(512, 97);
  };
  r = await post(url, big(), signed('whatever'));
  assert.equal(r.status, 413);
  r = await post(url, undefined, {}, 'GET');
  assert.equal(r.status, 405);
  assert.equal(r.headers.allow, 'POST');
  r = await post(`${l.origin}/other`, body, signed(body));
  assert.equal(r.status, 404);
  l.child.kill('SIGTERM');
  const done = await l.result;
  assert.equal(done.code, 0, 'SIGTERM exits 0');
  assert.match(done.stderr, /timestamp too old by 41[23] s/);
  assert.match(done.stderr, /no v1 signature of 32 bytes/);
  assert.match(done.stderr, /unsigned request: no signature header/);
  assert.match(done.stderr, /body is not valid JSON/);
  // The receiver's words (also the capture's reason), then the flag that changes them.
  assert.match(done.stderr, /^warning: POST \/hook: body of 2048 bytes exceeds the limit of 1kb \(--max-body\)$/m);
  assert.match(done.stderr, /^warning: POST \/hook: body exceeds the limit of 1kb \(--max-body\)$/m);
  const records = readRecords(file);
  assert.equal(records.length, 8);
  assert.deepEqual(
    records.map((x) => x.verified),
    [false, false, false, true, false, false, false, false],
  );
  assert.ok(records.every((x) => typeof x.reason === 'string' && x.reason.length > 0));
  const lines = done.stdout.trim().split('\n');
  assert.equal(lines.length, 8);
  assert.match(lines[0], /POST \/hook {2}standard {2}✗ 401/);
});

test('unsigned walt.id deliveries need --allow-unsigned; pings are answered and recorded but not counted', async () => {
  const file = join(tmp(), 'hooks.ndjson');
  const l = await startListen(['--allow-unsigned', '--save', file, '--count', '2']);
  const env = (event, status) => JSON.stringify({ target: 's1', event, session: { id: 's1', ...(status ? { status } : {}) }, requestId: event });
  assert.equal((await post(l.url, '', {})).status, 200, 'ping');
  assert.equal((await post(l.url, env('credential_offer_retrieved'), { 'content-type': 'application/json' })).status, 200);
  assert.equal((await post(l.url, env('issuance_status_changed', 'SUCCESSFUL'), { 'content-type': 'application/json' })).status, 200);
  const done = await l.result;
  assert.equal(done.code, 0, done.stderr);
  const records = readRecords(file);
  assert.deepEqual(
    records.map((x) => [x.provider, x.type, x.reason]),
    [
      ['unknown', null, 'ping'],
      ['waltid', 'credential_offer_retrieved', 'unsigned (allowed)'],
      ['waltid', 'issuance_status_changed', 'unsigned (allowed)'],
    ],
  );
  assert.equal(records[2].sessionId, 's1');
  assert.equal(records[2].status, 'SUCCESSFUL');
});

test('a repeated delivery id answers 2xx and is neither recorded nor counted twice', async () => {
  const file = join(tmp(), 'hooks.ndjson');
  const l = await startListen(['--secret', SECRET, '--save', file, '--count', '2', '--timeout', '20s']);
  const body = '{"type":"a"}';
  const h = signed(body, { id: 'msg_dup' });
  assert.equal((await post(l.url, body, h)).status, 200);
  const again = await post(l.url, body, h);
  assert.equal(again.status, 200);
  assert.match(again.text, /duplicate/);
  // iGrant deliveryID and X-GitHub-Delivery are delivery ids too.
  const gh = 'ghsecret';
  const ghBody = '{"action":"x"}';
  const ghHeaders = { 'x-github-delivery': 'gh-1', 'x-hub-signature-256': `sha256=${createHmac('sha256', gh).update(ghBody).digest('hex')}`, 'content-type': 'application/json' };
  l.child.kill('SIGINT');
  let done = await l.result;
  assert.equal(done.code, 130);
  assert.match(done.stderr, /duplicate delivery msg_dup answered 200, not recorded again/);
  assert.equal(readRecords(file).length, 1);

  const l2 = await startListen(['--secret', gh, '--save', file, '--count', '2', '--timeout', '20s']);
  assert.equal((await post(l2.url, ghBody, ghHeaders)).status, 200);
  assert.equal((await post(l2.url, ghBody, ghHeaders)).status, 200);
  assert.equal((await post(l2.url, ghBody, { ...ghHeaders, 'x-github-delivery': 'gh-2' })).status, 200);
  done = await l2.result;
  assert.equal(done.code, 0);
  assert.deepEqual(
    readRecords(file)
      .slice(1)
      .map((x) => x.id),
    ['gh-1', 'gh-2'],
  );
});

test('iGrant: form-encoded, case-insensitive header, deliveryID dedupe, --until type', async () => {
  const secret = 'igrant-secret-xyz';
  const l = await startListen(['--secret', secret, '--until', 'openid.credential.credential_acked', '--timeout', '20s', '--json']);
  const payload = (type, id) => JSON.stringify({ deliveryID: id, webhookID: 'w1', timestamp: new Date().toISOString(), type, data: { credentialExchangeId: 'cx-1' } });
  const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const sig = (json) => `t=${t},sig=${createHmac('sha256', secret).update(`${t}.${json}`).digest('hex')}`;
  const p1 = payload('openid.credential.credential_issued', 'd1');
  assert.equal((await post(l.url, `payload=${encodeURIComponent(p1)}`, { 'X-Igrant-Signature': sig(p1), 'content-type': 'application/x-www-form-urlencoded' })).status, 200);
  assert.equal((await post(l.url, p1, { 'X-Igrant-Signature': sig(p1), 'content-type': 'application/json' })).status, 200, 'same deliveryID');
  const p2 = payload('openid.credential.credential_acked', 'd2');
  assert.equal((await post(l.url, p2, { 'X-IGRANT-SIGNATURE': sig(p2), 'content-type': 'application/json' })).status, 200);
  const done = await l.result;
  assert.equal(done.code, 0, done.stderr);
  const recs = parseNdjson(done.stdout);
  assert.deepEqual(
    recs.map((x) => [x.provider, x.type, x.id, x.sessionId, x.verified]),
    [
      ['igrant', 'openid.credential.credential_issued', 'd1', 'cx-1', true],
      ['igrant', 'openid.credential.credential_acked', 'd2', 'cx-1', true],
    ],
  );
});

test('CI waiting: --timeout exits 124, --fail-on-invalid exits 6', async () => {
  let l = await startListen(['--secret', SECRET, '--count', '5', '--timeout', '400ms']);
  let done = await l.result;
  assert.equal(done.code, 124);
  assert.match(done.stderr, /no 5 deliveries \(got 0\) within 400ms/);
  l = await startListen(['--secret', SECRET, '--fail-on-invalid', '--timeout', '20s']);
  const body = '{"a":1}';
  assert.equal((await post(l.url, body, signed(body, { secret: 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=' }))).status, 401);
  done = await l.result;
  assert.equal(done.code, 6);
  assert.match(done.stderr, /no signature matches any of 1 secret/);
});

test('payloads with terminal escape sequences are printed escaped', async () => {
  const l = await startListen(['--allow-unsigned', '--count', '1', '-v']);
  const body = JSON.stringify({ target: 's\u001b[31m', event: 'evil\u001b]0;x\u0007', session: {} });
  await post(l.url, body, { 'content-type': 'application/json', 'x-note': 'a' });
  const done = await l.result;
  assert.equal(done.code, 0);
  assert.doesNotMatch(done.stdout, /[\u001b\u0007]/);
  assert.match(done.stdout, /evil\\x1b\]0;x\\x07/);
});

test('--forward-to sends the exact bytes and headers; a failing app never loses the capture', async () => {
  const got = [];
  let fail = false;
  const app = await startServer(async (req, res) => {
    got.push({ headers: req.headers, body: await readBody(req) });
    res.writeHead(fail ? 500 : 202);
    res.end('app says hi');
  });
  const file = join(tmp(), 'hooks.ndjson');
  const l = await startListen(['--secret', SECRET, '--save', file, '--forward-to', `${app.url}/in`]);
  const body = '{"name":"Zoë","n":1}';
  const h = signed(body, { id: 'msg_fwd1' });
  assert.equal((await post(l.url, body, h)).status, 200);
  await waitFor(() => got.length === 1);
  fail = true;
  const body2 = '{"n":2}';
  assert.equal((await post(l.url, body2, signed(body2, { id: 'msg_fwd2' }))).status, 200);
  await waitFor(() => got.length === 2);
  // The app's 500 has reached listen before the app goes away; then the refused forward is reported.
  await waitFor(() => /500 in \d+ms \(msg_fwd2\)/.test(l.stderr()));
  await app.close();
  const body3 = '{"n":3}';
  assert.equal((await post(l.url, body3, signed(body3, { id: 'msg_fwd3' }))).status, 200);
  await waitFor(() => /forward to .* failed: connection refused/.test(l.stderr()));
  l.child.kill('SIGINT');
  const done = await l.result;
  assert.equal(got.length, 2);
  assert.equal(got[0].body.toString('utf8'), body);
  assert.equal(got[0].headers['webhook-signature'], h['webhook-signature']);
  assert.equal(got[0].headers['webhook-id'], 'msg_fwd1');
  assert.match(done.stderr, /→ http:\/\/127\.0\.0\.1:\d+\/in 202 in \d+ms \(msg_fwd1\)/);
  assert.match(done.stderr, /→ http:\/\/127\.0\.0\.1:\d+\/in 500 in \d+ms \(msg_fwd2\)/);
  assert.match(done.stderr, /forward to .* failed: connection refused \(the delivery is captured\)/);
  assert.deepEqual(
    readRecords(file).map((x) => x.id),
    ['msg_fwd1', 'msg_fwd2', 'msg_fwd3'],
  );
});

test('usage errors: unknown scheme, scheme without secret, port in use, unwritable capture', async () => {
  let r = await runInProcess(['listen', '--scheme', 'magic']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown --scheme "magic"/);
  r = await runInProcess(['listen', '--scheme', 'standard']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--scheme standard needs --secret/);
  const busy = await startServer(() => {});
  r = await runInProcess(['listen', '--port', String(busy.port)]);
  await busy.close();
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+: address already in use/);
  r = await runInProcess(['listen', '--save', '/no/such/dir/f.ndjson']);
  assert.equal(r.code, 2);
});

test('listen --ui: nothing is announced (no Inspector URL, no Ready) until both the receiver and the inspector are bound', async () => {
  const busy = await startServer(() => {});
  try {
    for (const args of [
      ['--port', String(busy.port), '--ui', '--ui-port', '0'],
      ['--port', '0', '--ui', '--ui-port', String(busy.port)],
    ]) {
      const r = await runInProcess(['listen', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, `error: cannot listen on 127.0.0.1:${busy.port}: address already in use\n`, args.join(' '));
    }
  } finally {
    await busy.close();
  }
});

test('thousands of signed deliveries over 64 connections, SIGINT mid-burst: every accepted one is in the file exactly once', async () => {
  const file = join(tmp(), 'burst.ndjson');
  // Spawned: a real SIGINT reaching the binary while 64 connections are open (the other tests stop it in-process).
  const l = await startListen(['--secret', SECRET, '--save', file, '--quiet', '--json'], { timeoutMs: 120_000, spawn: true });
  const agent = new Agent({ connections: 64, pipelining: 1 });
  const accepted = new Set();
  let sent = 0;
  let stop = false;
  const worker = async (w) => {
    while (!stop) {
      const id = `msg_${w}_${sent++}`;
      const body = JSON.stringify({ type: 'credential.creation.succeeded', data: { id, text: 'ünïcødé ✓' } });
      try {
        const res = await request(l.url, { method: 'POST', headers: signed(body, { id }), body, dispatcher: agent });
        await res.body.text();
        if (res.statusCode === 200) accepted.add(id);
      } catch {
        // connection closed by the shutdown: not accepted
      }
    }
  };
  const workers = Array.from({ length: 64 }, (_, w) => worker(w));
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      if (accepted.size >= 3000) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  l.child.kill('SIGINT');
  const done = await l.result;
  stop = true;
  await Promise.all(workers);
  await agent.close();
  assert.equal(done.code, 130);
  const text = readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'));
  const records = text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
  const ids = records.map((x) => x.id);
  assert.equal(new Set(ids).size, ids.length, 'no record twice');
  for (const id of accepted) assert.ok(ids.includes(id) || false, `accepted ${id} is in the file`);
  assert.ok(records.every((x) => x.verified === true));
  assert.ok(accepted.size >= 3000);
  // stdout (--json) has the same records, each line whole.
  assert.equal(parseNdjson(done.stdout).length, records.length);
});

test('bearer tokens and cookies never reach the capture file or the output', async () => {
  const file = join(tmp(), 'hooks.ndjson');
  const token = 'walt-token-0123456789-secret';
  const l = await startListen(['--scheme', 'bearer', '--secret', token, '--save', file, '--count', '1', '--json', '-v']);
  assert.equal((await post(l.url, '{"target":"s","event":"x","session":{}}', { authorization: 'Bearer wrong-token-value', 'content-type': 'application/json' })).status, 401);
  assert.equal(
    (await post(l.url, '{"target":"s","event":"x","session":{}}', { authorization: `Bearer ${token}`, cookie: 'sid=cookie-secret-value', 'content-type': 'application/json' }))
      .status,
    200,
  );
  const done = await l.result;
  assert.equal(done.code, 0, done.stderr);
  const text = readFileSync(file, 'utf8');
  const records = parseNdjson(text);
  assert.deepEqual(
    records.map((x) => [x.verified, x.scheme, x.request.headers.authorization]),
    [
      [false, 'bearer', '[redacted]'],
      [true, 'bearer', '[redacted]'],
    ],
  );
  assert.equal(records[1].request.headers.cookie, '[redacted]');
  for (const secret of [token, 'wrong-token-value', 'cookie-secret-value']) {
    assert.ok(!text.includes(secret) && !done.stdout.includes(secret) && !done.stderr.includes(secret), `${secret} leaked`);
  }
});

test('a delivery line reads the same with and without colour: time, method and path, scheme, verdict, type, status, session, id', async () => {
  const body = JSON.stringify({ eventType: 'openid4vc.issuance.completed', payload: { openId4VcIssuanceId: 'iss-7' } });
  const waltid = JSON.stringify({ target: 's9', event: 'credential_offer_retrieved', session: { id: 's9' } });
  /** @param {Record<string, string>} env */
  async function lines(env) {
    const l = await startListen(['--secret', SECRET, '--allow-unsigned'], { env });
    await post(l.url, body, signed(body, { id: 'msg_line' }));
    await post(l.url, '', {});
    await post(l.url, waltid, { 'content-type': 'application/json' });
    await post(l.url, body, signed(body, { id: 'msg_bad', secret: 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }));
    l.child.kill('SIGTERM');
    const done = await l.result;
    assert.equal(done.code, 0, done.stderr);
    // The time column differs between runs.
    return done.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.replace(/^(\u001b\[\d+m)?\d\d:\d\d:\d\d\.\d{3}/, '$1T'));
  }
  const plain = await lines({});
  assert.deepEqual(plain, [
    'T  POST /  standard  ✓ verified  openid4vc.issuance.completed  SUCCESSFUL  iss-7  msg_line',
    'T  POST /  none  ping',
    'T  POST /  none  unsigned  credential_offer_retrieved  s9',
    // Rejected: classified for the reader, but no id (only a verified signature vouches for one).
    'T  POST /  standard  ✗ 401  openid4vc.issuance.completed  SUCCESSFUL  iss-7',
  ]);
  const coloured = await lines({ FORCE_COLOR: '1' });
  assert.ok(
    coloured.every((line) => line.includes('\u001b[')),
    'FORCE_COLOR colours every line',
  );
  assert.deepEqual(
    coloured.map((line) => line.replace(/\u001b\[\d+m/g, '')),
    plain,
  );
});

/** util-linux's `script`: runs a command on a pseudo-terminal, as a user's shell would. */
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((path) => existsSync(path));

/**
 * `listen` on a terminal `columns` wide (set with stty), until it exits by itself. Its stdout is
 * the terminal; its stderr goes to a pipe of its own (fd 3), so that only delivery lines are measured.
 * @param {number} columns
 * @param {string[]} args
 * @param {(url: string) => Promise<void>} send
 */
async function listenOnTerminal(columns, args, send) {
  const command = `stty cols ${columns} rows 40 && exec '${process.execPath}' '${BIN}' listen --port 0 ${args.join(' ')} 2>&3`;
  const child = spawn(/** @type {string} */ (SCRIPT), ['-qfec', command, '/dev/null'], {
    env: cleanEnv({ TERM: 'xterm-256color' }),
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  let terminal = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (terminal += d));
  const exited = new Promise((resolve) => child.on('close', resolve));
  const ready = new Promise((resolve, reject) => {
    /** @type {import('node:stream').Readable} */ (child.stdio[3]).setEncoding('utf8').on('data', (d) => {
      err += d;
      const m = /Ready! Listening on (\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    exited.then(() => reject(new Error(`listen exited before Ready: ${err}${terminal}`)));
  });
  await send(/** @type {string} */ (await ready));
  assert.equal(await exited, 0, err);
  return { lines: terminal.split(/\r?\n/).filter((line) => line.trim() !== ''), stderr: err };
}

test('listen fits each delivery line to the terminal (80 and 120 columns on a pseudo-terminal, COLUMNS on a pipe), never cutting the verdict or the status', {
  skip: !SCRIPT && 'script (util-linux) not installed',
}, async () => {
  const session = '3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f';
  const didx = JSON.stringify({ eventType: 'openid4vc.issuance.completed', payload: { openId4VcIssuanceId: session } });
  const waltid = JSON.stringify({ target: session, event: 'credential_request_sd_jwt_vc_succeeded', session: { id: session } });
  /** @param {string} url */
  async function send(url) {
    const path = new URL('/webhooks/issuer/tenant-0123456789', url).href;
    assert.equal((await post(path, didx, signed(didx, { id: 'msg_2Qx8yFZrRsZ6K1t4m3DqXw0vA9B' }))).status, 200);
    assert.equal((await post(path, waltid, { 'content-type': 'application/json' })).status, 200);
  }
  for (const columns of [80, 120]) {
    const { lines } = await listenOnTerminal(columns, ['--secret', SECRET, '--allow-unsigned', '--count', '2'], send);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.ok(
      lines.every((line) => line.includes('\u001b[')),
      'a terminal gets colour',
    );
    for (const line of lines) assert.ok(visibleWidth(line) <= columns, `${visibleWidth(line)} columns on a terminal ${columns} wide: ${line}`);
    assert.match(lines[0], /✓ verified.*SUCCESSFUL/);
    assert.match(lines[1], /unsigned/);
  }
  // A pipe with COLUMNS: the width given is honoured; without it, the line is whole (the test above).
  const l = await startListen(['--secret', SECRET, '--allow-unsigned', '--count', '1'], { env: { COLUMNS: '80' } });
  await post(new URL('/webhooks/issuer/tenant-0123456789', l.url).href, didx, signed(didx, { id: 'msg_2Qx8yFZrRsZ6K1t4m3DqXw0vA9B' }));
  const done = await l.result;
  assert.equal(done.code, 0, done.stderr);
  const [line] = done.stdout.trimEnd().split('\n');
  assert.ok(visibleWidth(line) <= 80, line);
  assert.match(line, / {2}✓ verified {2}.* {2}SUCCESSFUL/);
});
