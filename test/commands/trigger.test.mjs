import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { EVENT_CATALOG } from '../../dist/issuer/event-types.js';
import { buildTrigger } from '../../dist/trigger/send.js';
import { triggerEntry } from '../../dist/trigger/templates.js';
import { PROVIDER_SCHEMES } from '../../dist/trigger/templates.js';
import { normalizePayload } from '../../dist/webhooks/providers.js';
import { parseNdjson, startListen } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { listen, readBody } from '../helpers/http.mjs';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

test('every catalog type gets a template that a receiver classifies back to its provider, type and session', () => {
  for (const entry of EVENT_CATALOG) {
    const scheme = PROVIDER_SCHEMES[entry.provider];
    const built = buildTrigger({ entry, to: 'http://127.0.0.1:1/', scheme, secret: scheme === 'none' ? undefined : SECRET, sets: [], sessionId: 'sess-1' });
    const payload = normalizePayload({ headers: built.headers, body: Buffer.from(built.body) }, scheme);
    assert.equal(payload.provider, entry.provider, entry.type);
    assert.equal(payload.type, entry.type);
    const issuerLevel = /^nonce_request_|^token_request_failed$/.test(entry.type);
    if (!issuerLevel) assert.equal(payload.sessionId, 'sess-1', entry.type);
    if (entry.status !== 'ACTIVE' && !issuerLevel) assert.equal(payload.status, entry.status, entry.type);
  }
});

test('trigger → an endpoint verifying with the official standardwebhooks (didx:me) and svix (Crossmint) libraries', async () => {
  const received = [];
  const server = await listen(async (req, res) => {
    received.push({ headers: req.headers, body: (await readBody(req)).toString('utf8') });
    res.writeHead(204).end();
  });
  try {
    const didx = await runInProcess(['trigger', 'openid4vc.issuance.completed', '--to', `${server.url}/hook`, '--secret', SECRET, '--session', 'iss-7', '--json']);
    assert.equal(didx.code, 0, didx.stderr);
    const crossmint = await runInProcess(['trigger', 'credential.creation.failed', '--to', `${server.url}/hook`, '--secret', SECRET]);
    assert.equal(crossmint.code, 0, crossmint.stderr);
    assert.equal(received.length, 2);
    const standard = /** @type {any} */ (new StandardWebhook(SECRET).verify(received[0].body, /** @type {any} */ (received[0].headers)));
    assert.deepEqual(standard.payload.openId4VcIssuanceId, 'iss-7');
    assert.equal(standard.eventType, 'openid4vc.issuance.completed');
    const svix = /** @type {any} */ (new SvixWebhook(SECRET).verify(received[1].body, /** @type {any} */ (received[1].headers)));
    assert.equal(svix.type, 'credential.creation.failed');
    const [result] = parseNdjson(didx.stdout);
    assert.equal(result.kind, 'trigger');
    assert.equal(result.status, 204);
    assert.equal(result.id, received[0].headers['webhook-id']);
    assert.match(
      crossmint.stdout,
      /^204 {2}POST http:\/\/127\.0\.0\.1:\d+\/hook {2}credential\.creation\.failed \(crossmint, svix signature, id msg_[0-9a-f]{24}, session [0-9a-f-]{36}\) {2}\d+ ms\n$/,
    );
  } finally {
    await server.close();
  }
});

test('trigger → listen round trips for every provider: verified, classified, deduplicated on the signed id', async () => {
  // --timeout only bounds a broken run: five trigger processes start one after another, slowly on a busy machine.
  const l = await startListen(['--secret', SECRET, '--allow-unsigned', '--json', '--count', '5', '--timeout', '120s'], { timeoutMs: 150_000 });
  const sends = [
    ['credential_request_w3c_vc_succeeded'],
    ['openid.credential.credential_acked', '--secret', SECRET],
    ['openid4vc.issuance.failed', '--secret', SECRET],
    ['credential.creation.succeeded', '--secret', SECRET],
    ['jwt_issue', '--set', 'session.profileId=custom', '--set', 'session.credentialData={"credentialSubject":{"name":"Grace"}}'],
  ];
  for (const [type, ...rest] of sends) {
    const r = await runInProcess(['trigger', type, '--to', `${l.url}`, '--session', `s-${type}`, ...rest]);
    assert.equal(r.code, 0, `${type}: ${r.stderr}`);
  }
  const done = await l.result;
  assert.equal(done.code, 0, done.stderr);
  const records = parseNdjson(done.stdout).filter((r) => r.source === 'webhook');
  assert.deepEqual(
    records.map((r) => [r.provider, r.type, r.sessionId, r.verified, r.scheme]),
    [
      ['waltid', 'credential_request_w3c_vc_succeeded', 's-credential_request_w3c_vc_succeeded', false, 'none'],
      ['igrant', 'openid.credential.credential_acked', 's-openid.credential.credential_acked', true, 'igrant'],
      ['didx', 'openid4vc.issuance.failed', 's-openid4vc.issuance.failed', true, 'standard'],
      ['crossmint', 'credential.creation.succeeded', 's-credential.creation.succeeded', true, 'svix'],
      ['waltid', 'jwt_issue', 's-jwt_issue', false, 'none'],
    ],
  );
  assert.equal(records[0].status, 'SUCCESSFUL');
  assert.equal(records[1].status, 'SUCCESSFUL');
  assert.equal(records[2].status, 'FAILED');
  // --set: text and JSON values; the legacy generation sends only target, event and session.
  assert.equal(records[4].data.session.profileId, 'custom');
  assert.deepEqual(records[4].data.session.credentialData, { credentialSubject: { name: 'Grace' } });
  assert.deepEqual(Object.keys(records[4].data), ['target', 'event', 'session']);
  // walt.id's webhook body carries explicit nulls (the SSE copy omits them).
  assert.equal(records[0].data.error, null);
  assert.equal(records[0].data.session.issuerKey.type, 'redacted');
});

test('a non-2xx answer exits 1 naming the status; -v shows the exchange with the secret-bearing header masked', async () => {
  const server = await listen((req, res) => res.writeHead(401, { 'content-type': 'text/plain' }).end('bad signature'));
  try {
    const r = await runInProcess(['trigger', 'openid4vc.issuance.offered', '--to', `${server.url}/h`, '--secret', SECRET, '-v']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`error: ${server.url}/h answered 401: bad signature`));
    assert.match(r.stderr, /^> POST http:\/\/127\.0\.0\.1:\d+\/h$/m);
    assert.match(r.stderr, /^> webhook-signature: v1,/m);
    assert.match(r.stderr, /^> \{"eventType":"openid4vc\.issuance\.offered"/m);
    assert.match(r.stderr, /^< 401 \(\d+ ms\)$/m);
    assert.match(r.stderr, /^< bad signature$/m);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  } finally {
    await server.close();
  }
});

test('bad input: unknown type (did you mean), missing --to, missing secret, bad --set, a new type with --provider', async () => {
  const typo = await runInProcess(['trigger', 'openid4vc.issuance.complete', '--to', 'http://127.0.0.1:1/']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /unknown event type "openid4vc\.issuance\.complete" \(did you mean openid4vc\.issuance\.completed\?\)/);
  const noTo = await runInProcess(['trigger', 'jwt_issue']);
  assert.equal(noTo.code, 2);
  assert.match(noTo.stderr, /missing --to <url>/);
  const noSecret = await runInProcess(['trigger', 'credential.creation.succeeded', '--to', 'http://127.0.0.1:1/']);
  assert.equal(noSecret.code, 2);
  assert.match(noSecret.stderr, /Crossmint signs with svix: give --secret/);
  const badSet = await runInProcess(['trigger', 'jwt_issue', '--dry-run', '--set', '__proto__.polluted=1']);
  assert.equal(badSet.code, 2);
  assert.match(badSet.stderr, /invalid --set "__proto__\.polluted=1": "__proto__" cannot be set/);
  const fresh = await runInProcess(['trigger', 'credential_revoked', '--provider', 'waltid', '--dry-run', '--json', '--session', 'x1']);
  assert.equal(fresh.code, 0, fresh.stderr);
  const [plan] = parseNdjson(fresh.stdout);
  assert.equal(plan.body.event, 'credential_revoked');
  assert.equal(plan.body.target, 'x1');
  assert.equal(plan.dryRun, true);
  assert.equal(triggerEntry('credential_revoked'), undefined);
  // iGrant's `.v3` presentation names are sent as asked.
  const v3 = await runInProcess(['trigger', 'openid.presentation.request_sent.v3', '--scheme', 'none', '--dry-run', '--json']);
  assert.equal(parseNdjson(v3.stdout)[0].body.type, 'openid.presentation.request_sent.v3');
});

test('a secret the signing scheme cannot use exits 2 naming --secret and why, as the sandbox does', async () => {
  for (const args of [
    ['openid4vc.issuance.completed', '--to', 'http://127.0.0.1:1/', '--secret', 'whsec_abc'],
    ['credential.creation.succeeded', '--dry-run', '--secret', 'whsec_!!!!'],
    ['jwt_issue', '--scheme', 'standard', '--dry-run', '--secret', 'plain-text'],
  ]) {
    const r = await runInProcess(['trigger', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /^error: invalid --secret for (standard|svix): not a Standard Webhooks secret \(whsec_ \+ base64\)\n$/, args.join(' '));
    assert.equal(r.stdout, '');
  }
});

test('the --dry-run request, sent by hand, verifies: headers and body are the exact bytes', async () => {
  const r = await runInProcess(['trigger', 'openid.credential.offer_sent', '--dry-run', '--json', '--secret', 'igrant-secret']);
  assert.equal(r.code, 0, r.stderr);
  const [plan] = parseNdjson(r.stdout);
  const v = await runInProcess([
    'verify',
    '--scheme',
    'igrant',
    '--secret',
    'igrant-secret',
    '--header',
    `x-igrant-signature: ${plan.headers['x-igrant-signature']}`,
    '--body',
    JSON.stringify(plan.body),
  ]);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /^valid: igrant/);
});
