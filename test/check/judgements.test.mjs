import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { generateKeyPair, SignJWT } from 'jose';
import { sdJwtChecks } from '../../dist/check/credential.js';
import { judgeRefusal, CREDENTIAL_ERRORS, TOKEN_ERRORS } from '../../dist/check/scenario.js';
import { judgeEvents } from '../../dist/check/scenarios/events.js';
import { corruptSignature } from '../../dist/check/scenarios/credential-refusals.js';
import { wrongTxCode } from '../../dist/check/scenarios/token-refusals.js';
import { buildEvent } from '../../dist/issuer/catalog.js';
import { runInProcess } from '../helpers/in-process.mjs';

// The judgements check makes, each shown failing where it must: a check that cannot fail is not a check.

/** A session's events as a channel delivered them, without servers: what judgeEvents reads. */
function fakeWatch(events, resource = { httpStatus: 200, status: 'SUCCESSFUL' }) {
  const watch = { sessionId: 's1', events, sseError: undefined, next: async () => {} };
  /** @type {{ channels: ('sse' | 'webhook')[], sessionResourceUrl(): string, readSession(): Promise<any> }} */
  const hub = { channels: ['sse', 'webhook'], sessionResourceUrl: () => 'http://127.0.0.1/issuer2/sessions/s1', readSession: async () => resource };
  return { watch, hub };
}

const envelope = (type, status, extra = {}) => buildEvent(type, { target: 's1', event: type, session: { status, isClosed: status !== 'ACTIVE' }, ...extra }, {}, undefined);
const seen = (channel, at, type, status, extra) => ({ channel, at, event: envelope(type, status, extra) });

/** @typedef {import('../../dist/check/flow.js').Happening} Happening */
/** @type {Happening[]} */
const HAPPY = [
  { step: 'offer', at: 0, ok: true, correlated: true, label: 'offer' },
  { step: 'token', at: 10, ok: true, correlated: true, label: 'token' },
  { step: 'credential', at: 20, ok: true, correlated: true, label: 'credential' },
];
const happyEvents = (channel) => [
  seen(channel, 5, 'credential_offer_retrieved', 'ACTIVE'),
  seen(channel, 15, 'token_request_pre_authorized_code_succeeded', 'ACTIVE'),
  seen(channel, 25, 'credential_request_w3c_vc_succeeded', 'SUCCESSFUL'),
  seen(channel, 26, 'issuance_status_changed', 'SUCCESSFUL'),
];

test('events: each step on each channel, in order, with the terminal status, and the session resource agreeing → pass; latency per channel', async () => {
  const { watch, hub } = fakeWatch([...happyEvents('sse'), ...happyEvents('webhook')]);
  const judged = await judgeEvents(watch, HAPPY, hub, 1000);
  assert.deepEqual(
    judged.checks.map((c) => [c.check, c.finding.status]),
    [
      ['sse', 'pass'],
      ['webhook', 'pass'],
      ['session resource', 'pass'],
    ],
  );
  assert.deepEqual(judged.latency.sse, [5, 5, 5]);
});

test('events: a channel that misses the credential event, or delivers out of order, fails that channel only', async () => {
  const missing = fakeWatch([...happyEvents('sse'), ...happyEvents('webhook').slice(0, 2)]);
  const judged = await judgeEvents(missing.watch, HAPPY, missing.hub, 50);
  assert.equal(judged.checks[0].finding.status, 'pass');
  assert.equal(judged.checks[1].finding.status, 'fail');
  assert.match(judged.checks[1].finding.detail, /no credential issued \(SUCCESSFUL\) event within 50ms/);
  const [a, b, c, d] = happyEvents('webhook');
  const swapped = fakeWatch([...happyEvents('sse'), b, a, c, d]);
  const out = await judgeEvents(swapped.watch, HAPPY, swapped.hub, 50);
  assert.equal(out.checks[1].finding.status, 'fail');
  assert.match(out.checks[1].finding.detail, /token issued arrived out of order|offer retrieved arrived out of order/);
});

test('events: a refusal that is issuer-level (token in the query) must not be reported on the session; a correlated one must', async () => {
  /** @type {Happening[]} */
  const inQuery = [...HAPPY.slice(0, 2), { step: 'credential', at: 20, ok: false, correlated: false, label: 'access token in the query' }];
  const quiet = fakeWatch([...happyEvents('sse').slice(0, 2), ...happyEvents('webhook').slice(0, 2)], { httpStatus: 200, status: 'ACTIVE' });
  assert.deepEqual(
    (await judgeEvents(quiet.watch, inQuery, quiet.hub, 50)).checks.map((c) => c.finding.status),
    ['pass', 'pass', 'pass'],
  );
  const failure = (channel) => seen(channel, 22, 'credential_request_failed', 'UNSUCCESSFUL', { error: 'invalid_token' });
  const loud = fakeWatch([...happyEvents('sse').slice(0, 2), failure('sse'), ...happyEvents('webhook').slice(0, 2)], { httpStatus: 200, status: 'UNSUCCESSFUL' });
  const judged = await judgeEvents(loud.watch, inQuery, loud.hub, 50);
  assert.equal(judged.checks[0].finding.status, 'fail');
  assert.match(judged.checks[0].finding.detail, /credential_request_failed reported the issuer-level refusal/);
  // A wrong tx code is the session's: the current generation reports it, and the session stays ACTIVE.
  /** @type {Happening[]} */
  const wrongCode = [HAPPY[0], { step: 'token', at: 10, ok: false, correlated: true, label: 'token with a wrong tx_code' }];
  const silent = fakeWatch([seen('sse', 5, 'credential_offer_retrieved', 'ACTIVE'), seen('webhook', 5, 'credential_offer_retrieved', 'ACTIVE')], {
    httpStatus: 200,
    status: 'ACTIVE',
  });
  const noEvent = await judgeEvents(silent.watch, wrongCode, silent.hub, 50);
  assert.match(noEvent.checks[0].finding.detail, /no token refused event/);
  // v1.0.0-PRE (legacy names) sends nothing on a token failure: nothing is expected then.
  const legacy = fakeWatch([seen('sse', 5, 'resolved_credential_offer', 'ACTIVE'), seen('webhook', 5, 'resolved_credential_offer', 'ACTIVE')], {
    httpStatus: 200,
    status: 'ACTIVE',
  });
  assert.deepEqual(
    (await judgeEvents(legacy.watch, wrongCode, legacy.hub, 50)).checks.map((c) => c.finding.status),
    ['pass', 'pass', 'pass'],
  );
});

test('events: the session resource must agree with the events', async () => {
  const { watch, hub } = fakeWatch([...happyEvents('sse'), ...happyEvents('webhook')], { httpStatus: 200, status: 'ACTIVE' });
  const judged = await judgeEvents(watch, HAPPY, hub, 50);
  assert.equal(judged.checks[2].finding.status, 'fail');
  assert.match(judged.checks[2].finding.detail, /ACTIVE, but the events said SUCCESSFUL/);
});

const response = (status, body, headers = {}) => ({
  method: 'POST',
  url: 'http://127.0.0.1/credential',
  status,
  headers: new Headers({ 'content-type': 'application/json', ...headers }),
  text: JSON.stringify(body),
  json: body,
  startedAt: 0,
  ms: 1,
});

test('refusals: 400 with the expected code passes; 500 with an error body warns; accepted fails; a wrong credential error code fails, a wrong token error code warns', () => {
  const ok = judgeRefusal(response(400, { error: 'invalid_proof', error_description: 'bad' }), 'invalid_proof', CREDENTIAL_ERRORS, 'fail');
  assert.deepEqual([ok.refused.status, ok.error.status, ok.keys.status], ['pass', 'pass', 'pass']);
  const sphereon = judgeRefusal(response(500, { error: 'invalid_request', error_description: 'x' }), 'invalid_proof', CREDENTIAL_ERRORS, 'fail');
  assert.deepEqual([sphereon.refused.status, sphereon.error.status], ['warn', 'fail']);
  const accepted = judgeRefusal(response(200, { credentials: [] }), 'invalid_proof', CREDENTIAL_ERRORS, 'fail');
  assert.deepEqual([accepted.refused.status, accepted.error.status], ['fail', 'skip']);
  const token = judgeRefusal(response(400, { error: 'invalid_grant' }), 'invalid_request', TOKEN_ERRORS, 'warn');
  assert.deepEqual([token.refused.status, token.error.status], ['pass', 'warn']);
  const extra = judgeRefusal(response(400, { error: 'invalid_nonce', c_nonce: 'n' }), 'invalid_nonce', CREDENTIAL_ERRORS, 'fail');
  assert.equal(extra.keys.status, 'warn');
  const crash = judgeRefusal({ ...response(500, null), text: 'Internal Server Error', json: undefined }, 'invalid_proof', CREDENTIAL_ERRORS, 'fail');
  assert.equal(crash.refused.status, 'fail');
});

test('a forged proof keeps its header and payload; a wrong tx code differs from the right one in every character', async () => {
  const { privateKey } = await generateKeyPair('ES256');
  const jwt = await new SignJWT({ nonce: 'n' }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
  const forged = corruptSignature(jwt);
  assert.equal(forged.split('.').slice(0, 2).join('.'), jwt.split('.').slice(0, 2).join('.'));
  assert.notEqual(forged, jwt);
  assert.equal(wrongTxCode('1290', undefined), '2301');
  assert.match(wrongTxCode(undefined, { length: 5, input_mode: 'numeric' }), /^\d{5}$/);
});

/** An SD-JWT whose disclosures are given as [salt, name, value] triples; `referenced` picks whose digests the payload lists. */
async function sdJwt(disclosures, { referenced = disclosures.map((_, i) => i), typ = 'dc+sd-jwt', payload = {} } = {}) {
  const { privateKey } = await generateKeyPair('ES256');
  const encoded = disclosures.map((d) => Buffer.from(JSON.stringify(d)).toString('base64url'));
  const digests = referenced.map((i) => createHash('sha256').update(encoded[i]).digest('base64url'));
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({ vct: 'urn:x', iat: now, exp: now + 60, _sd_alg: 'sha-256', _sd: digests, ...payload }).setProtectedHeader({ alg: 'ES256', typ }).sign(privateKey);
  return `${jwt}~${encoded.join('~')}~`;
}

const statuses = (checks) => Object.fromEntries(checks.map((c) => [c.check, c.finding.status]));

test('SD-JWT: typ, time claims and disclosures checked; an unreferenced disclosure, a shared salt, vc+sd-jwt and a future iat are caught', async () => {
  assert.deepEqual(
    statuses(
      sdJwtChecks(
        await sdJwt([
          ['s1', 'a', 1],
          ['s2', 'b', 2],
        ]),
      ),
    ),
    { 'SD-JWT typ': 'pass', 'time claims': 'pass', disclosures: 'pass' },
  );
  const unreferenced = sdJwtChecks(
    await sdJwt(
      [
        ['s1', 'a', 1],
        ['s2', 'b', 2],
      ],
      { referenced: [0] },
    ),
  );
  assert.equal(statuses(unreferenced).disclosures, 'fail');
  assert.match(unreferenced.find((c) => c.check === 'disclosures').finding.detail, /1 of 2 disclosures are not referenced/);
  assert.equal(
    statuses(
      sdJwtChecks(
        await sdJwt([
          ['same', 'a', 1],
          ['same', 'b', 2],
        ]),
      ),
    ).disclosures,
    'fail',
  );
  assert.equal(statuses(sdJwtChecks(await sdJwt([['s1', 'a', 1]], { typ: 'vc+sd-jwt' })))['SD-JWT typ'], 'warn');
  assert.equal(statuses(sdJwtChecks(await sdJwt([['s1', 'a', 1]], { payload: { iat: Math.floor(Date.now() / 1000) + 3600 } })))['time claims'], 'fail');
});

test('docs/check.md lists every module of the table, with its spec section', async () => {
  const { MODULES } = await import('../../dist/check/modules.js');
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../docs/check.md', import.meta.url), 'utf8');
  for (const module of MODULES) {
    assert.ok(doc.includes(`### ${module.name}`) || doc.includes(`| ${module.name} |`), `${module.name} in docs/check.md`);
    assert.ok(doc.includes(module.spec), `${module.name}'s spec (${module.spec}) in docs/check.md`);
  }
});

test('the programmatic API: runCheck against an embedded sandbox, only the metadata module, no events', async () => {
  const api = await import('issuer-events');
  const outcome = await api.runCheck({
    source: { kind: 'sandbox', profiles: api.loadProfiles() },
    modules: new Set(['oid4vci-1_0-issuer-metadata-test']),
    events: { sse: false, webhook: false },
    receiver: { host: '127.0.0.1', port: 0, path: '/hooks' },
    eventTimeoutMs: 1000,
    allowUnverified: false,
    insecure: false,
    concurrency: 2,
  });
  assert.equal(api.checkExitCode(outcome), 0);
  assert.ok(outcome.results.length > 5);
  assert.ok(outcome.results.every((r) => r.module === 'oid4vci-1_0-issuer-metadata-test' && r.profile === null));
  assert.deepEqual(outcome.latency, { sse: null, webhook: null });
});

test('completion: check --only/--skip complete module names (after a comma too), --events the channels', async () => {
  const modules = await runInProcess(['complete', '--', 'check', '--skip', 'issuer-events-events,issuer-events-fail-m']);
  assert.deepEqual(modules.stdout.trim().split('\n'), ['issuer-events-events,issuer-events-fail-missing-tx-code\tOID4VCI 1.0 §3.5, §6.3', ':4']);
  const channels = await runInProcess(['complete', '--', 'check', '--events', '']);
  assert.deepEqual(
    channels.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[0]),
    ['sse,webhook', 'sse', 'webhook', 'none', ':4'],
  );
});
