import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { SandboxIssuer } from '../../dist/sandbox/server.js';
import { loadProfiles } from '../../dist/sandbox/profiles.js';
import { validateOfferRequest } from '../../dist/sandbox/validation.js';
import { listen as startServer, readBody } from '../helpers/http.mjs';
import { runCli, startListen, parseNdjson, ROOT } from '../helpers/cli.mjs';
import { spawn } from 'node:child_process';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** @param {{ profiles?: Record<string, unknown>, [key: string]: unknown }} [options] */
async function sandbox({ profiles, ...options } = {}) {
  const s = new SandboxIssuer({ host: '127.0.0.1', port: 0, profiles: loadProfiles(profiles), eventNames: 'current', stepDelayMs: 1, ...options });
  await s.start();
  return s;
}

/**
 * @param {string} url
 * @param {{ method?: string, body?: unknown, headers?: Record<string, string> }} [options]
 */
async function json(url, { method = 'GET', body, headers = {} } = {}) {
  const res = await request(url, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Reads an SSE stream until `count` data messages arrived (`{}` included). */
async function readSse(url, count, headers = {}) {
  const res = await request(url, { headers: { accept: 'text/event-stream', ...headers } });
  const messages = [];
  let buffer = '';
  for await (const chunk of res.body) {
    buffer += chunk.toString('utf8');
    let i;
    while ((i = buffer.indexOf('\n\n')) !== -1) {
      messages.push(JSON.parse(buffer.slice(0, i).replace(/^data: /, '')));
      buffer = buffer.slice(i + 2);
    }
    if (messages.length >= count) break;
  }
  res.body.destroy();
  return { status: res.statusCode, contentType: res.headers['content-type'], messages };
}

test('offer validation parity with walt.id: unknown fields, required fields, allowed values', () => {
  const ok = { profileId: 'p', authMethod: 'PRE_AUTHORIZED' };
  const cases = [
    [ok, null],
    [{ ...ok, extra: 1 }, "Unknown field 'extra'"],
    [{ authMethod: 'PRE_AUTHORIZED' }, "Field 'profileId' is required"],
    [{ profileId: 'p' }, "Field 'authMethod' is required"],
    [{ ...ok, authMethod: 'MAGIC' }, "Invalid authMethod 'MAGIC'"],
    [{ ...ok, valueMode: 'BY_MAGIC' }, "Invalid valueMode 'BY_MAGIC'"],
    [{ ...ok, issuerStateMode: 'INCLUDE' }, 'issuerStateMode is only allowed with AUTHORIZED'],
    [{ ...ok, authMethod: 'AUTHORIZED', issuerStateMode: 'OMIT' }, null],
    [{ ...ok, authMethod: 'AUTHORIZED', txCode: { length: 4 } }, 'txCode is only allowed with PRE_AUTHORIZED'],
    [{ ...ok, txCode: { length: 4, input_mode: 'numeric', colour: 1 } }, "Unknown field 'txCode.colour'"],
    [{ ...ok, txCode: { length: 0 } }, 'txCode.length must be a positive integer'],
    [{ ...ok, expiresInSeconds: 0 }, 'expiresInSeconds must be a positive integer'],
    [{ ...ok, expiresInSeconds: 1.5 }, 'expiresInSeconds must be a positive integer'],
    [{ ...ok, expiresInSeconds: -1 }, null],
    [{ ...ok, runtimeOverrides: { bogus: 1 } }, "Unknown field 'runtimeOverrides.bogus'"],
    [{ ...ok, runtimeOverrides: { notifications: { webhook: { url: 'http://x', secret: 's' } } } }, "Unknown field 'runtimeOverrides.notifications.webhook.secret'"],
    [{ ...ok, runtimeOverrides: { notifications: { email: {} } } }, "Unknown field 'runtimeOverrides.notifications.email'"],
    [{ ...ok, runtimeOverrides: { notifications: { webhook: { url: 'ftp://x' } } } }, 'must be an http(s) URL'],
    [{ ...ok, runtimeOverrides: { credentialData: { a: 1 }, issuerDid: 'did:key:x' } }, null],
    [[], 'must be a JSON object'],
  ];
  for (const [body, message] of cases) {
    const result = /** @type {any} */ (validateOfferRequest(body));
    if (message === null) assert.equal(result.body, undefined, JSON.stringify(body));
    else {
      assert.equal(result.status, 400, JSON.stringify(body));
      assert.deepEqual(Object.keys(result.body), ['exception', 'id', 'status', 'code', 'message']);
      assert.equal(result.body.id, 'BadRequestException');
      assert.ok(result.body.message.includes(message), `${JSON.stringify(body)} → ${result.body.message}`);
    }
  }
  assert.equal(
    /** @type {any} */ (validateOfferRequest({ authMethod: 'PRE_AUTHORIZED', profileId: 'p' }, 'p')).body.message,
    "Unknown field 'profileId'",
    'Enterprise bodies carry no profileId',
  );
});

test('201 response, chosen session ids, tx codes, 404 profile, 409 duplicate, session lookup', async () => {
  const s = await sandbox();
  try {
    let r = await json(`${s.url}/issuer2/credential-offers`, {
      method: 'POST',
      body: { profileId: 'openBadgeCredential', authMethod: 'PRE_AUTHORIZED', sessionId: 'mine', txCode: { input_mode: 'numeric', length: 4 } },
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.offerId, 'mine');
    assert.equal(r.body.profileId, 'openBadgeCredential');
    assert.match(r.body.txCodeValue, /^\d{4}$/);
    assert.ok(r.body.expiresAt > Date.now() + 290_000 && r.body.expiresAt <= Date.now() + 300_000);
    assert.match(r.body.credentialOffer, /^openid-credential-offer:\/\/\?credential_offer_uri=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fissuer2%2Fcredential-offers%2Fmine$/);
    const offer = await json(decodeURIComponent(r.body.credentialOffer.split('=')[1]));
    assert.deepEqual(offer.body.credential_configuration_ids, ['OpenBadgeCredential_jwt_vc_json']);
    assert.deepEqual(offer.body.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'].tx_code, { input_mode: 'numeric', length: 4 });
    r = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'openBadgeCredential', authMethod: 'PRE_AUTHORIZED', sessionId: 'mine' } });
    assert.equal(r.status, 409);
    r = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'nope', authMethod: 'PRE_AUTHORIZED' } });
    assert.equal(r.status, 404);
    assert.equal(r.body.message, 'Profile not found: nope');
    r = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: '{broken' });
    assert.equal(r.status, 400);
    r = await json(`${s.url}/issuer2/sessions/mine`);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, undefined, 'status absent while ACTIVE');
    assert.equal(r.body.isClosed, undefined, 'isClosed absent while false');
  } finally {
    await s.close();
  }
});

test('expiry deletes the session without an event: GET 404, SSE 200 then closed at once', async () => {
  const s = await sandbox();
  try {
    const r = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'isoMdl', authMethod: 'PRE_AUTHORIZED', expiresInSeconds: 1 } });
    const id = r.body.offerId;
    assert.equal((await json(`${s.url}/issuer2/sessions/${id}`)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    assert.equal((await json(`${s.url}/issuer2/sessions/${id}`)).status, 404);
    const stream = await readSse(`${s.url}/issuer2/sessions/${id}/events`, 1);
    assert.equal(stream.status, 200);
    assert.deepEqual(stream.messages, []);
  } finally {
    await s.close();
  }
});

test('SSE like walt.id: {} first, data-only envelopes, last 10 replayed to each new subscriber, left open', async () => {
  const s = await sandbox();
  try {
    const { body } = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'identityCredentialSdJwt', authMethod: 'PRE_AUTHORIZED' } });
    const id = body.offerId;
    const first = readSse(`${s.url}/issuer2/sessions/${id}/events`, 6);
    const global = readSse(`${s.url}/issuer2/events`, 6);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const claimed = await json(`${s.url}/sandbox/sessions/${id}/claim?outcome=success`, { method: 'POST' });
    assert.deepEqual(claimed.body, { sessionId: id, outcome: 'success', status: 'SUCCESSFUL' });
    const a = await first;
    assert.equal(a.contentType, 'text/event-stream');
    assert.deepEqual(a.messages[0], {});
    assert.deepEqual(
      a.messages.slice(1).map((m) => m.event),
      ['credential_offer_retrieved', 'token_request_pre_authorized_code_succeeded', 'nonce_request_succeeded', 'credential_request_sd_jwt_vc_succeeded', 'issuance_status_changed'],
    );
    const last = a.messages.at(-1);
    assert.equal(last.target, id);
    assert.deepEqual([last.session.status, last.session.isClosed], ['SUCCESSFUL', true]);
    assert.equal(typeof last.requestId, 'string');
    assert.equal((await global).messages.length, 6);
    const late = await readSse(`${s.url}/issuer2/sessions/${id}/events`, 6);
    assert.deepEqual(late.messages.slice(1), a.messages.slice(1), 'replayed to a new subscriber');
    const again = await json(`${s.url}/sandbox/sessions/${id}/claim`, { method: 'POST' });
    assert.equal(again.status, 409);
  } finally {
    await s.close();
  }
});

test('--auto-claim waits for a first subscriber, so a tail started late still sees every event', async () => {
  const s = await sandbox({ autoClaimMs: 0 });
  try {
    const { body } = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'openBadgeCredential', authMethod: 'PRE_AUTHORIZED' } });
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal((await json(`${s.url}/issuer2/sessions/${body.offerId}`)).body.status, undefined, 'not claimed without a subscriber');
    const stream = await readSse(`${s.url}/issuer2/sessions/${body.offerId}/events`, 6);
    assert.equal(stream.messages.at(-1).session.status, 'SUCCESSFUL');
  } finally {
    await s.close();
  }
});

test('wallet outcomes map to the right events and statuses for every format, both generations', async () => {
  const expected = {
    current: {
      success: (f) => [
        'credential_offer_retrieved',
        'token_request_pre_authorized_code_succeeded',
        'nonce_request_succeeded',
        `credential_request_${f}_succeeded`,
        'issuance_status_changed:SUCCESSFUL',
      ],
      fail: (f) => [
        'credential_offer_retrieved',
        'token_request_pre_authorized_code_succeeded',
        'nonce_request_succeeded',
        `credential_request_${f}_failed!`,
        'issuance_status_changed:UNSUCCESSFUL',
      ],
      'wrong-tx-code': () => ['credential_offer_retrieved', 'token_request_pre_authorized_code_failed!', 'issuance_status_changed:UNSUCCESSFUL'],
    },
    legacy: {
      success: (f) => [
        'resolved_credential_offer',
        'requested_token',
        { w3c_vc: 'jwt_issue', sd_jwt_vc: 'sdjwt_issue', mso_mdoc: 'generated_mdoc' }[f],
        'issuance_status:SUCCESSFUL',
      ],
      fail: (f) => [
        'resolved_credential_offer',
        'requested_token',
        `${{ w3c_vc: 'jwt_issue', sd_jwt_vc: 'sdjwt_issue', mso_mdoc: 'generated_mdoc' }[f]}!`,
        'issuance_status:UNSUCCESSFUL',
      ],
      'wrong-tx-code': () => ['resolved_credential_offer', 'requested_token!', 'issuance_status:UNSUCCESSFUL'],
    },
  };
  const formats = { openBadgeCredential: 'w3c_vc', identityCredentialSdJwt: 'sd_jwt_vc', isoMdl: 'mso_mdoc' };
  for (const names of ['current', 'legacy']) {
    const s = await sandbox({ eventNames: names });
    try {
      for (const [profile, format] of Object.entries(formats)) {
        for (const outcome of ['success', 'fail', 'wrong-tx-code']) {
          const { body } = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: profile, authMethod: 'PRE_AUTHORIZED', txCode: { length: 6 } } });
          const want = expected[names][outcome](format);
          const stream = readSse(`${s.url}/issuer2/sessions/${body.offerId}/events`, want.length + 1);
          await new Promise((resolve) => setTimeout(resolve, 50));
          const claimed = await json(`${s.url}/sandbox/sessions/${body.offerId}/claim?outcome=${outcome}`, { method: 'POST' });
          const got = (await stream).messages.slice(1).map((m) => `${m.event}${m.session.status ? `:${m.session.status}` : ''}${m.error ? '!' : ''}`);
          assert.deepEqual(got, want, `${names} ${profile} ${outcome}`);
          assert.equal(claimed.body.status, outcome === 'success' ? 'SUCCESSFUL' : 'UNSUCCESSFUL');
        }
      }
    } finally {
      await s.close();
    }
  }
});

test('webhooks: one attempt to the override or the profile URL, signed and verified by the official library', async () => {
  const got = [];
  const receiver = await startServer(async (req, res) => {
    got.push({ headers: req.headers, body: (await readBody(req)).toString('utf8'), path: req.url });
    res.writeHead(req.url === '/fail' ? 500 : 204);
    res.end();
  });
  const s = await sandbox({ webhookSigning: { scheme: 'standard', secret: SECRET }, profiles: { withHook: { format: 'mso_mdoc', webhookUrl: `${receiver.url}/profile-hook` } } });
  try {
    let { body } = await json(`${s.url}/issuer2/credential-offers`, {
      method: 'POST',
      body: { profileId: 'openBadgeCredential', authMethod: 'PRE_AUTHORIZED', runtimeOverrides: { notifications: { webhook: { url: `${receiver.url}/override` } } } },
    });
    await json(`${s.url}/sandbox/sessions/${body.offerId}/claim`, { method: 'POST' });
    assert.deepEqual(
      got.map((g) => JSON.parse(g.body).event),
      [
        'credential_offer_created',
        'credential_offer_retrieved',
        'token_request_pre_authorized_code_succeeded',
        'nonce_request_succeeded',
        'credential_request_w3c_vc_succeeded',
        'issuance_status_changed',
      ],
    );
    const wh = new StandardWebhook(SECRET);
    for (const g of got) {
      assert.equal(g.path, '/override');
      assert.doesNotThrow(() => wh.verify(g.body, g.headers));
    }
    ({ body } = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'withHook', authMethod: 'PRE_AUTHORIZED' } }));
    await json(`${s.url}/sandbox/sessions/${body.offerId}/claim`, { method: 'POST' });
    assert.equal(got.at(-1).path, '/profile-hook');
    // A failing receiver is logged, never fatal, and not retried.
    const before = got.length;
    ({ body } = await json(`${s.url}/issuer2/credential-offers`, {
      method: 'POST',
      body: { profileId: 'openBadgeCredential', authMethod: 'PRE_AUTHORIZED', runtimeOverrides: { notifications: { webhook: { url: `${receiver.url}/fail` } } } },
    }));
    const claimed = await json(`${s.url}/sandbox/sessions/${body.offerId}/claim`, { method: 'POST' });
    assert.equal(claimed.body.status, 'SUCCESSFUL');
    assert.equal(got.length - before, 6);
  } finally {
    await s.close();
    await receiver.close();
  }
});

test('Enterprise routes behind --token', async () => {
  const s = await sandbox({ token: 'ent-token' });
  try {
    const path = `${s.url}/v2/acme.main.issuer.openBadgeCredential/issuer-service-api/credentials/offers`;
    assert.equal((await json(path, { method: 'POST', body: { authMethod: 'PRE_AUTHORIZED' } })).status, 401);
    const r = await json(path, { method: 'POST', body: { authMethod: 'PRE_AUTHORIZED' }, headers: { authorization: 'Bearer ent-token' } });
    assert.equal(r.status, 201);
    const events = `${s.url}/v2/acme.main.issuer/issuer-service-api/issuance-session/${r.body.offerId}/events`;
    assert.equal((await json(events)).status, 401);
    const stream = await readSse(events, 1, { authorization: 'Bearer ent-token' });
    assert.deepEqual(stream.messages, [{}]);
  } finally {
    await s.close();
  }
});

/** Starts `issuer-events sandbox` and resolves with its URL once Ready. */
async function startSandboxCli(args) {
  let ready;
  const p = new Promise((resolve) => (ready = resolve));
  let err = '';
  const result = runCli(['sandbox', '--port', '0', ...args], {
    timeoutMs: 60_000,
    onStderr(d) {
      err += d;
      const m = /Ready! Sandbox issuer on (\S+)/.exec(err);
      if (m) ready(m[1]);
    },
  });
  return { url: await p, result, stderr: () => err };
}

test('CLI: sandbox signs webhooks that listen verifies; offer create --tail against it; SIGINT exits 130', async () => {
  const l = await startListen(['--secret', SECRET, '--until', 'status:SUCCESSFUL', '--timeout', '30s', '--json']);
  const sb = await startSandboxCli(['--webhook-scheme', 'standard', '--webhook-secret', SECRET, '--auto-claim', '500ms', '--event-names', 'legacy']);
  const r = await runCli(['offer', 'create', '--base-url', sb.url, '--profile', 'isoMdl', '--webhook-url', l.url, '--tail', '--json', '--timeout', '30s']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    parseNdjson(r.stdout)
      .slice(1)
      .map((x) => x.type),
    ['resolved_credential_offer', 'requested_token', 'generated_mdoc', 'issuance_status'],
  );
  const heard = await l.result;
  assert.equal(heard.code, 0, heard.stderr);
  const hooks = parseNdjson(heard.stdout);
  assert.ok(hooks.length >= 4);
  assert.ok(hooks.every((h) => h.verified === true && h.scheme === 'standard' && h.provider === 'waltid'));
  sb.result.child.kill('SIGINT');
  const done = await sb.result;
  assert.equal(done.code, 130);
  assert.match(done.stderr, /POST \/issuer2\/credential-offers → 201/);
  assert.match(done.stderr, /webhook generated_mdoc → http:\/\/127\.0\.0\.1:\d+\/: 200/);
});

test('CLI: bad sandbox flags exit 2', async () => {
  for (const args of [
    ['--event-names', 'future'],
    ['--webhook-scheme', 'stripe', '--webhook-secret', 'x'],
    ['--webhook-scheme', 'standard'],
    ['--webhook-scheme', 'standard', '--webhook-secret', 'not-base64!'],
    ['--auto-claim-outcome', 'maybe'],
  ]) {
    const r = await runCli(['sandbox', '--port', '0', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
});

test('demo exits 0 with both channels; --json prints records; a failing wallet exits 3', async () => {
  let r = await runCli(['demo']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^SSE \(tail\)\s+Webhook \(listen\)$/m);
  assert.match(r.stdout, /issuance_status_changed SUCCESSFUL\s+\+\s*\d+ms issuance_status_changed SUCCESSFUL ✓/);
  assert.match(r.stdout, /^Webhooks\s+6 \(6 signatures verified, Standard Webhooks\)$/m);
  assert.match(r.stdout, /^Final status\s+SUCCESSFUL$/m);
  r = await runCli(['demo', '--json', '--profile', 'isoMdl', '--event-names', 'legacy']);
  assert.equal(r.code, 0, r.stderr);
  const records = parseNdjson(r.stdout);
  assert.deepEqual(
    records.filter((x) => x.source === 'sse').map((x) => x.type),
    ['resolved_credential_offer', 'requested_token', 'generated_mdoc', 'issuance_status'],
  );
  assert.equal(records.filter((x) => x.source === 'webhook' && x.verified).length, 4);
  r = await runCli(['demo', '--outcome', 'fail']);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^Final status\s+UNSUCCESSFUL$/m);
});

test('examples/ci-smoke.sh passes against the sandbox and fails when the wallet fails', async () => {
  const run = (env) =>
    new Promise((resolve) => {
      const child = spawn('bash', ['examples/ci-smoke.sh'], {
        cwd: ROOT,
        env: { ...process.env, CI: 'true', ISSUER_EVENTS_BASE_URL: '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, out }));
    });
  let r = await run({});
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /issuance gate: exit 0/);
  r = await run({ SANDBOX_OUTCOME: 'fail' });
  assert.equal(r.code, 3, r.out);
  r = await run({ SANDBOX_OUTCOME: 'wrong-tx-code' });
  assert.equal(r.code, 3, r.out);
});
