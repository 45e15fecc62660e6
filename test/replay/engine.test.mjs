import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { replayToTarget } from '../../dist/replay/engine.js';
import { SCHEMES } from '../../dist/webhooks/index.js';
import { filterFlag } from '../../dist/cli/flags.js';
import { wasRejected } from '../../dist/replay/filter.js';
import { listen, readBody } from '../helpers/http.mjs';

// The replay engine in-process (src/replay/engine.ts, filter.ts, delivery.ts, sender.ts): capture
// files written here, a target on 127.0.0.1, what arrives there and what the reporter is told.

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const dir = mkdtempSync(join(tmpdir(), 'replay-engine-'));
let files = 0;

/** Writes records as an NDJSON capture file; returns its path. */
function capture(records) {
  const file = join(dir, `capture-${++files}.ndjson`);
  writeFileSync(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return file;
}

/**
 * A webhook record as `listen` writes it.
 * @param {string} type
 * @param {{ body?: string, bodyBase64?: string, headers?: Record<string, string>, id?: string | null, session?: string, acceptance?: string, responseStatus?: number, receivedAt?: string }} [o]
 */
function webhook(type, o = {}) {
  const request = { method: 'POST', path: '/hook', headers: { 'content-type': 'application/json', ...o.headers } };
  if (o.bodyBase64 !== undefined) Object.assign(request, { bodyBase64: o.bodyBase64 });
  else Object.assign(request, { body: o.body ?? JSON.stringify({ eventType: type }) });
  return {
    v: 1,
    source: 'webhook',
    receivedAt: o.receivedAt ?? '2025-06-01T12:00:00.000Z',
    provider: 'didx',
    type,
    sessionId: o.session ?? null,
    status: null,
    terminal: false,
    id: o.id === undefined ? `msg_${type}` : o.id,
    data: null,
    duplicate: false,
    request,
    ...(o.acceptance ? { acceptance: o.acceptance } : {}),
    ...(o.responseStatus ? { responseStatus: o.responseStatus } : {}),
  };
}

/** An SSE record as `tail` writes it: replayed as the JSON of its data. */
const sse = (type, session, data) => ({
  v: 1,
  source: 'sse',
  receivedAt: '2025-06-01T12:00:00.000Z',
  provider: 'waltid',
  type,
  sessionId: session,
  status: null,
  terminal: false,
  id: null,
  data,
  duplicate: false,
});

/** A reporter that records what it is told; `finished` answers 0 when every delivery succeeded. */
function reporter() {
  const seen = {
    loaded: /** @type {any[]} */ ([]),
    stale: /** @type {number[]} */ ([]),
    planned: /** @type {any[]} */ ([]),
    results: /** @type {any[]} */ ([]),
    finished: /** @type {any[]} */ ([]),
  };
  return {
    seen,
    loaded: (info) => seen.loaded.push(info),
    staleSignatures: (age) => seen.stale.push(age),
    planned: (item) => seen.planned.push(item),
    result: (result) => seen.results.push(result),
    finished: (results, info) => {
      seen.finished.push({ results: results.length, ...info });
      return results.every((r) => r.ok) ? 0 : 1;
    },
    serving: () => {},
  };
}

/**
 * @param {string[]} captureFiles
 * @param {string} to
 * @param {Partial<import('../../dist/replay/engine.js').SendPlan>} [extra]
 * @returns {import('../../dist/replay/engine.js').SendPlan}
 */
const plan = (captureFiles, to, extra = {}) => ({
  files: captureFiles,
  filter: () => true,
  includeRejected: false,
  skipInvalid: false,
  to,
  concurrency: 1,
  retries: 0,
  timeoutMs: 5000,
  dryRun: false,
  ...extra,
});

/**
 * A target recording each request; `answer(n, req)` gives the status of the n-th (1-based).
 * @param {(n: number, req: import('node:http').IncomingMessage) => number} [answer]
 */
async function target(answer = () => 204) {
  /** @type {{ path: string, headers: import('node:http').IncomingHttpHeaders, body: Buffer, at: number }[]} */
  const received = [];
  const srv = await listen(async (req, res) => {
    const body = await readBody(req);
    received.push({ path: req.url ?? '', headers: req.headers, body, at: performance.now() });
    const status = answer(received.length, req);
    res.writeHead(status, status >= 500 || status === 429 ? { 'retry-after': '0' } : {}).end();
  });
  return { ...srv, received };
}

test('concurrency 1: every selected record in file order, webhook bodies byte-exact with their headers, SSE records as their data', async () => {
  const binary = Buffer.from([0xff, 0x00, 0x7b, 0xfe]);
  const file1 = capture([
    webhook('openid4vc.issuance.offered', {
      body: '{"eventType":"openid4vc.issuance.offered","name":"Zoë 🎓"}',
      headers: { 'x-custom': 'kept', authorization: '[redacted]', host: 'old.example', 'content-length': '999', connection: 'close' },
    }),
    sse('credential_offer_retrieved', 's1', { target: 's1', event: 'credential_offer_retrieved', session: { id: 's1' } }),
    webhook('binary', { bodyBase64: binary.toString('base64') }),
  ]);
  const file2 = capture(Array.from({ length: 5 }, (_, i) => webhook(`t${i}`)));
  const srv = await target();
  try {
    const r = reporter();
    const code = await replayToTarget(plan([file1, file2], `${srv.url}/in?x=1`), r);
    assert.equal(code, 0);
    assert.deepEqual(r.seen.loaded, [{ records: 8, invalid: 0, files: 2 }]);
    assert.deepEqual(
      srv.received.map((x) => x.path),
      Array(8).fill('/in?x=1'),
    );
    assert.equal(srv.received[0].body.toString('utf8'), '{"eventType":"openid4vc.issuance.offered","name":"Zoë 🎓"}');
    assert.equal(srv.received[0].headers['x-custom'], 'kept');
    assert.equal(srv.received[0].headers.authorization, undefined, 'a redacted header is not sent as "[redacted]"');
    assert.equal(srv.received[0].headers.host, srv.url.slice('http://'.length), 'hop and length headers are the new request’s own');
    assert.equal(srv.received[0].headers['content-length'], String(srv.received[0].body.length));
    assert.deepEqual(JSON.parse(srv.received[1].body.toString('utf8')), { target: 's1', event: 'credential_offer_retrieved', session: { id: 's1' } });
    assert.equal(srv.received[1].headers['content-type'], 'application/json');
    assert.deepEqual(srv.received[2].body, binary);
    assert.deepEqual(
      srv.received.slice(3).map((x) => JSON.parse(x.body.toString('utf8')).eventType),
      ['t0', 't1', 't2', 't3', 't4'],
    );
    assert.deepEqual(
      r.seen.results.map((x) => [x.index, x.line, x.type, x.status, x.attempts]),
      [
        [1, 1, 'openid4vc.issuance.offered', 204, 1],
        [2, 2, 'credential_offer_retrieved', 204, 1],
        [3, 3, 'binary', 204, 1],
        ...['t0', 't1', 't2', 't3', 't4'].map((t, i) => [i + 4, i + 1, t, 204, 1]),
      ],
    );
    assert.deepEqual(r.seen.finished, [{ results: 8, dryRun: false, planned: 8 }]);
  } finally {
    await srv.close();
  }
});

test('filters: type=, a trailing * for a prefix, values of one key are alternatives, keys must all match; a bad spec is a usage error', async () => {
  const records = [
    webhook('openid4vc.issuance.offered', { session: 'a' }),
    webhook('openid4vc.issuance.completed', { session: 'b' }),
    webhook('credential.creation.succeeded', { session: 'a' }),
    sse('credential_offer_retrieved', 'a', { event: 'credential_offer_retrieved' }),
  ];
  const pick = (...specs) => records.filter(filterFlag(specs)).map((r) => r.type);
  assert.deepEqual(pick('type=openid4vc.issuance.completed'), ['openid4vc.issuance.completed']);
  assert.deepEqual(pick('type=openid4vc.*'), ['openid4vc.issuance.offered', 'openid4vc.issuance.completed']);
  assert.deepEqual(pick('type=openid4vc.issuance.offered', 'type=credential.*'), ['openid4vc.issuance.offered', 'credential.creation.succeeded']);
  assert.deepEqual(pick('type=openid4vc.*', 'session=a'), ['openid4vc.issuance.offered']);
  assert.deepEqual(pick('source=sse'), ['credential_offer_retrieved']);
  assert.deepEqual(pick('type=openid4vc'), [], 'without * the value is matched whole');
  assert.deepEqual(pick('id=*'), ['openid4vc.issuance.offered', 'openid4vc.issuance.completed', 'credential.creation.succeeded'], 'a null field matches no pattern');
  assert.deepEqual(
    pick(),
    records.map((r) => r.type),
  );
  for (const spec of ['type', '=x', 'colour=red']) {
    assert.throws(
      () => filterFlag([spec]),
      { code: 'E_USAGE', exitCode: 2, message: /^invalid --filter ".*": use type=…, session=…, provider=…, source=…, id=…, status=…$/ },
      spec,
    );
  }
  // Through the engine: only what the filter keeps is sent.
  const srv = await target();
  try {
    const r = reporter();
    await replayToTarget(plan([capture(records)], srv.url, { filter: filterFlag(['type=openid4vc.issuance.completed', 'type=credential.*']) }), r);
    assert.deepEqual(
      srv.received.map((x) => JSON.parse(x.body.toString('utf8')).eventType),
      ['openid4vc.issuance.completed', 'credential.creation.succeeded'],
    );
    assert.deepEqual(
      r.seen.results.map((x) => x.line),
      [2, 3],
    );
  } finally {
    await srv.close();
  }
});

test('--include-rejected: deliveries listen refused are skipped unless asked for; acceptance decides, else the answered status', async () => {
  const records = [
    webhook('accepted', { acceptance: 'verified', responseStatus: 200 }),
    webhook('refused', { acceptance: 'rejected', responseStatus: 401 }),
    webhook('old-refused', { responseStatus: 413 }),
    webhook('old-accepted', { responseStatus: 202 }),
    webhook('unsigned-but-kept', { acceptance: 'unsigned', responseStatus: 500 }),
    webhook('no-status'),
  ];
  assert.deepEqual(
    records.map((r) => wasRejected(/** @type {any} */ (r))),
    [false, true, true, false, false, false],
  );
  assert.equal(wasRejected(/** @type {any} */ ({ ...sse('x', 's', {}), responseStatus: 500 })), false, 'SSE records never are');
  const file = capture(records);
  const srv = await target();
  try {
    await replayToTarget(plan([file], srv.url), reporter());
    const sent = () => srv.received.map((x) => JSON.parse(x.body.toString('utf8')).eventType);
    assert.deepEqual(sent(), ['accepted', 'old-accepted', 'unsigned-but-kept', 'no-status']);
    srv.received.length = 0;
    await replayToTarget(plan([file], srv.url, { includeRejected: true }), reporter());
    assert.deepEqual(
      sent(),
      records.map((r) => r.type),
    );
  } finally {
    await srv.close();
  }
});

test('retries: 5xx and 429 are tried again up to the bound, other 4xx never; a silent target is a timeout', async () => {
  // undici checks its timeouts about once a second: the silent target's replay runs meanwhile.
  const silent = await listen(() => {});
  const timedOut = reporter();
  const started = performance.now();
  const silentRun = replayToTarget(plan([capture([webhook('x')])], silent.url, { timeoutMs: 300 }), timedOut);
  // Per type: the statuses answered in turn, then 204.
  const script = { flaky: [503, 500], busy: [429], gone: [502, 502, 502, 502], bad: [400] };
  const counts = new Map();
  const srv = await target((_n, req) => {
    const type = String(req.headers['x-type']);
    const seen = counts.get(type) ?? 0;
    counts.set(type, seen + 1);
    return script[type]?.[seen] ?? 204;
  });
  const file = capture(Object.keys(script).map((type) => webhook(type, { headers: { 'x-type': type } })));
  try {
    const r = reporter();
    const code = await replayToTarget(plan([file], srv.url, { retries: 2 }), r);
    assert.equal(code, 1);
    assert.deepEqual(
      r.seen.results.map((x) => [x.type, x.ok, x.status, x.attempts, x.error ?? null]),
      [
        ['flaky', true, 204, 3, null],
        ['busy', true, 204, 2, null],
        ['gone', false, 502, 3, 'HTTP 502'],
        ['bad', false, 400, 1, 'HTTP 400'],
      ],
    );
    assert.deepEqual([...counts.values()], [3, 2, 3, 1], 'what the target saw: no attempt beyond the bound');
    assert.equal(await silentRun, 1);
    assert.deepEqual(
      timedOut.seen.results.map((x) => [x.ok, x.status, x.attempts, x.error]),
      [[false, null, 1, 'no answer within 300ms']],
    );
    assert.ok(performance.now() - started < 10_000);
  } finally {
    await srv.close();
    await silent.close();
  }
});

test('re-signed: old signatures dropped, fresh ones that the official standardwebhooks and svix libraries verify; captured or new ids', async () => {
  const body = '{"eventType":"openid4vc.issuance.completed","payload":{"openId4VcIssuanceId":"i1"}}';
  // Captured with a signature from long ago, by another secret.
  const old = SCHEMES.standard.sign(Buffer.from(body), 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', { id: 'msg_captured', timestamp: 1_600_000_000 });
  const file = capture([webhook('openid4vc.issuance.completed', { body, headers: old, id: 'msg_captured' })]);
  const srv = await target();
  try {
    // Sent as captured: the stale signature is said once, and goes out verbatim.
    const r = reporter();
    await replayToTarget(plan([file], srv.url), r);
    assert.equal(r.seen.stale.length, 1);
    assert.ok(r.seen.stale[0] > 300, String(r.seen.stale[0]));
    assert.equal(srv.received[0].headers['webhook-signature'], old['webhook-signature']);
    assert.throws(() => new StandardWebhook(SECRET).verify(body, /** @type {any} */ (srv.received[0].headers)));

    const resent = async (resign) => {
      srv.received.length = 0;
      const rr = reporter();
      await replayToTarget(plan([file], srv.url, { resign }), rr);
      assert.deepEqual(rr.seen.stale, [], 're-signed deliveries are fresh');
      return { got: srv.received[0], result: rr.seen.results[0] };
    };
    let { got, result } = await resent({ scheme: 'standard', secret: SECRET, newIds: false });
    assert.equal(got.body.toString('utf8'), body);
    assert.equal(got.headers['webhook-id'], 'msg_captured');
    assert.notEqual(got.headers['webhook-signature'], old['webhook-signature']);
    assert.deepEqual(new StandardWebhook(SECRET).verify(body, /** @type {any} */ (got.headers)), JSON.parse(body));
    assert.equal(result.id, 'msg_captured');

    ({ got, result } = await resent({ scheme: 'standard', secret: SECRET, newIds: true }));
    assert.match(String(got.headers['webhook-id']), /^msg_[0-9a-f]{24}$/);
    assert.equal(result.id, got.headers['webhook-id']);
    assert.doesNotThrow(() => new StandardWebhook(SECRET).verify(body, /** @type {any} */ (got.headers)));

    ({ got } = await resent({ scheme: 'svix', secret: SECRET, newIds: false }));
    assert.equal(got.headers['webhook-signature'], undefined, 'the captured scheme’s headers are gone');
    assert.equal(got.headers['svix-id'], 'msg_captured');
    assert.deepEqual(new SvixWebhook(SECRET).verify(body, /** @type {any} */ (got.headers)), JSON.parse(body));
  } finally {
    await srv.close();
  }
});

test('--rate spaces the starts of deliveries; --dry-run plans every delivery and sends none', async () => {
  const file = capture(Array.from({ length: 5 }, (_, i) => webhook(`r${i}`)));
  const srv = await target();
  try {
    await replayToTarget(plan([file], srv.url, { ratePerSec: 20, concurrency: 4 }), reporter());
    assert.equal(srv.received.length, 5);
    // 20 per second, whatever the concurrency: the five starts span 200 ms at least. Measured where
    // they arrive, so one request late on a busy machine may shorten the span: 140 ms is required
    // (unpaced, four workers start within a few ms).
    const span = srv.received[4].at - srv.received[0].at;
    assert.ok(span >= 140 && span < 10_000, `${span} ms`);
    srv.received.length = 0;
    const r = reporter();
    assert.equal(await replayToTarget(plan([file], srv.url, { dryRun: true }), r), 0);
    assert.equal(srv.received.length, 0);
    assert.equal(r.seen.planned.length, 5);
    assert.deepEqual(r.seen.finished, [{ results: 0, dryRun: true, planned: 5 }]);
  } finally {
    await srv.close();
  }
});

test('a corrupt line stops the replay before anything is sent, naming file and line; skipInvalid goes on without it', async () => {
  const file = join(dir, 'corrupt.ndjson');
  writeFileSync(file, `${JSON.stringify(webhook('ok1'))}\n{"v":1,"source":"webhook"\n${JSON.stringify(webhook('ok2'))}\n`);
  const srv = await target();
  try {
    await assert.rejects(replayToTarget(plan([file], srv.url), reporter()), { code: 'E_USAGE', exitCode: 2, message: `${file}:2: invalid JSON` });
    assert.equal(srv.received.length, 0);
    const r = reporter();
    await replayToTarget(plan([file], srv.url, { skipInvalid: true }), r);
    assert.deepEqual(r.seen.loaded, [{ records: 2, invalid: 1, files: 1 }]);
    assert.equal(srv.received.length, 2);
  } finally {
    await srv.close();
  }
});
