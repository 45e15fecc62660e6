import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { EVENT_CATALOG } from '../../dist/issuer/event-types.js';
import { parseAssignment } from '../../dist/shared/json-path.js';
import { buildTrigger, sendTrigger } from '../../dist/trigger/send.js';
import { PROVIDER_SCHEMES, triggerEntry } from '../../dist/trigger/templates.js';
import { verifyDelivery } from '../../dist/webhooks/index.js';
import { normalizePayload } from '../../dist/webhooks/providers.js';
import { listen, readBody, refusedPort } from '../helpers/http.mjs';

// trigger's engine in-process (src/trigger/send.ts, templates.ts): every catalog type's template,
// signed as its provider signs and checked by the official libraries where there are some,
// `--set` paths, and what sendTrigger reports of a receiver's answer.

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
// Now, to the second: the official libraries refuse a timestamp more than 5 minutes away.
const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);

/** @param {string} text */
function assignment(text) {
  const parsed = parseAssignment(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

/**
 * @param {import('../../dist/issuer/event-types.js').EventTypeEntry} entry
 * @param {Partial<import('../../dist/trigger/send.js').TriggerPlan>} [extra]
 */
function build(entry, extra = {}) {
  const scheme = PROVIDER_SCHEMES[entry.provider];
  return buildTrigger({ entry, to: 'http://127.0.0.1:9/', scheme, secret: scheme === 'none' ? undefined : SECRET, sets: [], sessionId: 'sess-1', ...extra }, NOW);
}

test('every catalog type: signed as its provider signs (official libraries verify), classified back to its provider, type and session', () => {
  const seen = new Set();
  for (const entry of EVENT_CATALOG) {
    const built = build(entry);
    const label = `${entry.provider} ${entry.type}`;
    seen.add(entry.provider);
    assert.equal(built.provider, entry.provider, label);
    assert.equal(built.type, entry.type, label);
    assert.equal(built.sessionId, 'sess-1');
    assert.equal(built.headers['content-type'], 'application/json');
    const payload = JSON.parse(built.body);
    switch (entry.provider) {
      case 'didx':
        assert.equal(built.scheme, 'standard');
        assert.deepEqual(new StandardWebhook(SECRET).verify(built.body, { ...built.headers }), payload, label);
        assert.equal(built.headers['webhook-id'], built.id);
        assert.equal(built.headers['webhook-timestamp'], String(NOW.getTime() / 1000));
        break;
      case 'crossmint':
        assert.equal(built.scheme, 'svix');
        assert.deepEqual(new SvixWebhook(SECRET).verify(built.body, { ...built.headers }), payload, label);
        assert.equal(built.headers['svix-id'], built.id);
        break;
      case 'igrant': {
        // No official library: the documented HMAC recomputed here, and our verifier.
        const header = built.headers['x-igrant-signature'];
        const t = /^t=([^,]+),sig=[0-9a-f]{64}$/.exec(header)?.[1];
        assert.ok(t, `${label}: ${header}`);
        assert.equal(header, `t=${t},sig=${createHmac('sha256', SECRET).update(`${t}.${built.body}`).digest('hex')}`);
        const verdict = verifyDelivery({ headers: built.headers, body: Buffer.from(built.body) }, 'igrant', { secrets: [SECRET], toleranceSec: 300, nowMs: NOW.getTime() });
        assert.equal(verdict.code, 'valid', label);
        assert.equal(built.id, payload.deliveryID, 'the delivery id is the one in the body');
        break;
      }
      default:
        // walt.id signs nothing.
        assert.equal(built.scheme, 'none');
        assert.deepEqual(Object.keys(built.headers), ['content-type'], label);
    }
    const normalized = normalizePayload({ headers: built.headers, body: Buffer.from(built.body) }, built.scheme);
    assert.equal(normalized.provider, entry.provider, label);
    assert.equal(normalized.type, entry.type, label);
    const issuerLevel = /^nonce_request_|^token_request_failed$/.test(entry.type);
    // walt.id events not tied to a session name the request as their target.
    if (issuerLevel) assert.equal(payload.target, payload.requestId, label);
    else assert.equal(normalized.sessionId, 'sess-1', label);
    if (!issuerLevel && entry.status !== 'ACTIVE') assert.equal(normalized.status, entry.status, label);
    if (entry.generation === 'legacy') assert.deepEqual(Object.keys(payload), ['target', 'event', 'session'], `${label}: v1.0.0-PRE sends only these`);
  }
  assert.deepEqual([...seen].sort(), ['crossmint', 'didx', 'igrant', 'waltid']);
});

test('--set: JSON values or text at a dotted path, objects and arrays made on the way, applied before signing', () => {
  const entry = /** @type {any} */ (triggerEntry('openid4vc.issuance.failed'));
  const built = build(entry, {
    sets: [
      'payload.state=done',
      'payload.attempt=3',
      'payload.retry=true',
      'payload.reason=null',
      'payload.meta={"a":[1]}',
      'extra.list.1.name=b=c',
      'eventType=openid4vc.issuance.completed',
    ].map(assignment),
  });
  const payload = /** @type {any} */ (new StandardWebhook(SECRET).verify(built.body, { ...built.headers }));
  assert.equal(payload.payload.state, 'done');
  assert.equal(payload.payload.attempt, 3);
  assert.equal(payload.payload.retry, true);
  assert.equal(payload.payload.reason, null);
  assert.deepEqual(payload.payload.meta, { a: [1] });
  assert.equal(payload.payload.openId4VcIssuanceId, 'sess-1', 'the rest of the template stays');
  assert.deepEqual(payload.extra, { list: [null, { name: 'b=c' }] });
  assert.equal(payload.eventType, 'openid4vc.issuance.completed');
  // iGrant deduplicates on the deliveryID in its body: a --set one is the id trigger reports.
  const igrant = build(/** @type {any} */ (triggerEntry('openid.credential.credential_issued')), { sets: [assignment('deliveryID=dlv-7')] });
  assert.equal(igrant.id, 'dlv-7');
  assert.equal(JSON.parse(igrant.body).deliveryID, 'dlv-7');
  // Paths that are not paths, or that would reach a prototype, are refused.
  assert.equal(parseAssignment('no-equals'), 'expected <path>=<value>, e.g. data.status=failed');
  assert.equal(parseAssignment('=x'), 'expected <path>=<value>, e.g. data.status=failed');
  assert.equal(parseAssignment('a..b=1'), 'empty segment in path "a..b"');
  for (const bad of ['__proto__.polluted=1', 'a.constructor.prototype.polluted=1', 'prototype=1'])
    assert.match(String(parseAssignment(bad)), /^"(__proto__|constructor|prototype)" cannot be set$/, bad);
  assert.equal(/** @type {any} */ ({}).polluted, undefined);
});

test('triggerEntry: catalog entries, iGrant .v3 names kept, a new type only with an explicit provider', () => {
  assert.equal(triggerEntry('credential.creation.failed')?.provider, 'crossmint');
  const v3 = triggerEntry('openid.presentation.request_sent.v3');
  assert.deepEqual([v3?.provider, v3?.type], ['igrant', 'openid.presentation.request_sent.v3']);
  assert.equal(JSON.parse(build(/** @type {any} */ (v3)).body).type, 'openid.presentation.request_sent.v3');
  assert.equal(triggerEntry('credential.brand.new'), undefined);
  const fresh = triggerEntry('credential.brand.new', 'crossmint');
  assert.deepEqual(fresh, { provider: 'crossmint', group: 'crossmint', type: 'credential.brand.new', description: '', status: 'ACTIVE', generation: undefined });
  assert.equal(normalizePayload({ headers: {}, body: Buffer.from(build(/** @type {any} */ (fresh)).body) }, 'svix').type, 'credential.brand.new');
  assert.equal(triggerEntry('brand_new', 'waltid')?.generation, 'current');
  // A scheme that signs needs a secret.
  assert.throws(() => buildTrigger({ entry: /** @type {any} */ (fresh), to: 'http://127.0.0.1:9/', scheme: 'svix', sets: [] }), /scheme svix cannot sign without a secret/);
});

test('sendTrigger: the receiver gets the built request; its status decides ok; its answer is kept to 64 KB; --dry-run sends nothing', async () => {
  /** @type {{ headers: import('node:http').IncomingHttpHeaders, body: string }[]} */
  const received = [];
  const srv = await listen(async (req, res) => {
    received.push({ headers: req.headers, body: (await readBody(req)).toString('utf8') });
    if (req.url === '/fail') return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
    if (req.url === '/big') return void res.writeHead(200).end('z'.repeat(200 * 1024));
    res.writeHead(202).end('queued');
  });
  try {
    const entry = /** @type {any} */ (triggerEntry('credential.creation.succeeded'));
    const exchanges = [];
    const plan = { entry, to: `${srv.url}/hook`, scheme: /** @type {const} */ ('svix'), secret: SECRET, sets: [], sessionId: 's-9', trace: (e) => exchanges.push(e) };
    const ok = await sendTrigger(plan);
    assert.deepEqual([ok.status, ok.ok, ok.response, ok.to, ok.sessionId], [202, true, 'queued', `${srv.url}/hook`, 's-9']);
    assert.equal(received[0].body, ok.body);
    assert.equal(received[0].headers['svix-id'], ok.id);
    assert.deepEqual(new SvixWebhook(SECRET).verify(received[0].body, /** @type {any} */ (received[0].headers)), JSON.parse(ok.body));
    assert.equal(exchanges.length, 1);
    assert.equal(exchanges[0].status, 202);

    const failed = await sendTrigger({ ...plan, to: `${srv.url}/fail` });
    assert.deepEqual([failed.status, failed.ok, failed.response], [500, false, '{"error":"boom"}']);
    const big = await sendTrigger({ ...plan, to: `${srv.url}/big` });
    assert.equal(big.response.length, 64 * 1024);

    const count = received.length;
    const dry = await sendTrigger({ ...plan, dryRun: true });
    assert.deepEqual([dry.status, dry.ok, dry.response, dry.ms], [null, true, '', 0]);
    assert.doesNotThrow(() => new SvixWebhook(SECRET).verify(dry.body, /** @type {any} */ ({ ...dry.headers })));
    assert.equal(received.length, count);
  } finally {
    await srv.close();
  }
  const port = await refusedPort();
  const entry = /** @type {any} */ (triggerEntry('openid4vc.issuance.completed'));
  await assert.rejects(sendTrigger({ entry, to: `http://127.0.0.1:${port}/`, scheme: 'none', sets: [] }), {
    code: 'E_NETWORK',
    exitCode: 1,
    message: `could not reach http://127.0.0.1:${port}/: connection refused`,
  });
});
