import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { SandboxIssuer } from '../../dist/sandbox/server.js';
import { loadProfiles } from '../../dist/sandbox/profiles.js';
import { SessionStore } from '../../dist/sandbox/session-store.js';
import { validateOfferRequest } from '../../dist/sandbox/validation.js';
import { listen as startServer, readBody } from '../helpers/http.mjs';
import { startListen, parseNdjson, ROOT, waitFor } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { startSandboxCli } from '../helpers/sandbox.mjs';
import { spawn } from 'node:child_process';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** @param {{ profiles?: Record<string, unknown>, [key: string]: unknown }} [options] */
async function sandbox({ profiles, ...options } = {}) {
  const s = new SandboxIssuer({ host: '127.0.0.1', port: 0, profiles: loadProfiles(profiles), eventNames: 'current', ...options });
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
  let raw = '';
  for await (const chunk of res.body) {
    raw += chunk.toString('utf8');
    buffer += chunk.toString('utf8');
    let i;
    // walt.id (Ktor) frames every message with CRLF: `data: …\r\n\r\n`.
    while ((i = buffer.indexOf('\r\n\r\n')) !== -1) {
      messages.push(JSON.parse(buffer.slice(0, i).replace(/^data: /, '')));
      buffer = buffer.slice(i + 4);
    }
    if (messages.length >= count) break;
  }
  res.body.destroy();
  return { status: res.statusCode, contentType: res.headers['content-type'], headers: res.headers, messages, raw };
}

test('offer validation parity with walt.id: unknown and missing fields with details, allowed values, tx codes', () => {
  const ok = { profileId: 'p', authMethod: 'PRE_AUTHORIZED' };
  /** @type {[unknown, string | null, object?][]} */
  const cases = [
    [ok, null],
    [{ ...ok, extra: 1, other: 2 }, 'Request body contains unknown field(s): extra, other', { unknownFields: ['extra', 'other'] }],
    [{ authMethod: 'PRE_AUTHORIZED' }, 'Request body is missing required field(s): profileId', { missingFields: ['profileId'] }],
    [{ profileId: 'p' }, 'Request body is missing required field(s): authMethod', { missingFields: ['authMethod'] }],
    [{ ...ok, authMethod: 'MAGIC' }, "Invalid authMethod 'MAGIC'"],
    [{ ...ok, valueMode: 'BY_MAGIC' }, "Invalid valueMode 'BY_MAGIC'"],
    [{ ...ok, issuerStateMode: 'INCLUDE' }, 'issuerStateMode is only allowed with AUTHORIZED'],
    [{ ...ok, authMethod: 'AUTHORIZED', issuerStateMode: 'OMIT' }, null],
    [{ ...ok, authMethod: 'AUTHORIZED', issuerStateMode: 'OMIT', runtimeOverrides: { issuerDid: 'did:key:x' } }, 'issuerStateMode OMIT cannot be combined with runtimeOverrides'],
    [{ ...ok, authMethod: 'AUTHORIZED', txCode: { length: 4 } }, 'txCode is only allowed with PRE_AUTHORIZED'],
    [{ ...ok, txCode: { length: 4, input_mode: 'numeric', colour: 1 } }, 'Request body contains unknown field(s): txCode.colour', { unknownFields: ['txCode.colour'] }],
    [{ ...ok, txCode: { length: 0 } }, 'txCode.length must be a positive integer'],
    [{ ...ok, txCodeValue: '1234' }, 'txCodeValue requires txCode'],
    [{ ...ok, txCode: { length: 4 }, txCodeValue: '12ab' }, 'txCodeValue must be digits for a numeric txCode'],
    [{ ...ok, txCode: { length: 4 }, txCodeValue: '12345' }, 'txCodeValue must have txCode.length (4) characters'],
    [{ ...ok, txCode: { length: 4 }, txCodeValue: '1234' }, null],
    [{ ...ok, expiresInSeconds: 0 }, 'expiresInSeconds must be a positive integer'],
    [{ ...ok, expiresInSeconds: 1.5 }, 'expiresInSeconds must be a positive integer'],
    [{ ...ok, expiresInSeconds: -1 }, null],
    [{ ...ok, runtimeOverrides: { bogus: 1 } }, 'Request body contains unknown field(s): runtimeOverrides.bogus', { unknownFields: ['runtimeOverrides.bogus'] }],
    [{ ...ok, runtimeOverrides: { notifications: { webhook: { url: 'http://x', secret: 's' } } } }, 'unknown field(s): runtimeOverrides.notifications.webhook.secret'],
    [{ ...ok, runtimeOverrides: { notifications: { email: {} } } }, 'unknown field(s): runtimeOverrides.notifications.email'],
    [{ ...ok, runtimeOverrides: { notifications: { webhook: { url: 'ftp://x' } } } }, 'must be an http(s) URL'],
    [[], 'must be a JSON object'],
  ];
  for (const [body, message, details] of cases) {
    const result = /** @type {any} */ (validateOfferRequest(body));
    if (message === null) assert.equal(result.body, undefined, JSON.stringify(body));
    else {
      assert.equal(result.status, 400, JSON.stringify(body));
      assert.equal(result.body.id, 'BadRequestException');
      assert.ok(result.body.message.includes(message), `${JSON.stringify(body)} → ${result.body.message}`);
      if (details) assert.deepEqual({ ...result.body.details, expectedType: undefined }, { ...details, expectedType: undefined });
    }
  }
  // All twelve runtimeOverrides fields walt.id knows are accepted.
  const twelve = [
    'credentialData',
    'issuerDid',
    'issuerKey',
    'mapping',
    'selectiveDisclosure',
    'x5Chain',
    'credentialStatus',
    'expectedCredentialProofKeyJwk',
    'idTokenClaimsMapping',
    'mDocNameSpacesDataMappingConfig',
    'authorizedTransactionDataTypes',
    'notifications',
  ];
  const overrides = Object.fromEntries(twelve.map((k) => [k, k === 'notifications' ? { webhook: { url: 'http://127.0.0.1:1/x' } } : {}]));
  assert.equal(/** @type {any} */ (validateOfferRequest({ ...ok, runtimeOverrides: overrides })).body, undefined);
  assert.equal(
    /** @type {any} */ (validateOfferRequest({ authMethod: 'PRE_AUTHORIZED', profileId: 'p' }, 'p')).body.message,
    'Request body contains unknown field(s): profileId',
    'Enterprise bodies carry no profileId',
  );
});

test('201 response like walt.id: offer URI at /openid4vci, tx codes, -1 expiry, issuerStateMode, a reused sessionId overwrites', async () => {
  const s = await sandbox();
  try {
    let r = await json(`${s.url}/issuer2/credential-offers`, {
      method: 'POST',
      body: { profileId: 'openBadgeCredential', authMethod: 'PRE_AUTHORIZED', sessionId: 'mine', txCode: { input_mode: 'numeric', length: 4 } },
    });
    assert.equal(r.status, 201);
    assert.match(String(r.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    assert.equal(r.body.offerId, 'mine');
    assert.equal(r.body.profileId, 'openBadgeCredential');
    assert.match(r.body.txCodeValue, /^\d{4}$/);
    assert.ok(r.body.expiresAt > Date.now() + 290_000 && r.body.expiresAt <= Date.now() + 300_000);
    assert.equal(r.body.credentialOffer, `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(`${s.url}/openid4vci/credential-offer?id=mine`)}`);
    const offer = await json(`${s.url}/openid4vci/credential-offer?id=mine`);
    assert.equal(offer.body.credential_issuer, `${s.url}/openid4vci`);
    assert.deepEqual(offer.body.credential_configuration_ids, ['OpenBadgeCredential_jwt_vc_json']);
    assert.deepEqual(offer.body.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'].tx_code, { input_mode: 'numeric', length: 4 });
    const first = (await json(`${s.url}/issuer2/sessions/mine`)).body;
    // A reused sessionId silently replaces the session (new pre-authorized code, new tx code).
    r = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'identityCredentialSdJwt', authMethod: 'PRE_AUTHORIZED', sessionId: 'mine' } });
    assert.equal(r.status, 201);
    const second = (await json(`${s.url}/issuer2/sessions/mine`)).body;
    assert.equal(second.profileId, 'identityCredentialSdJwt');
    assert.notEqual(second.createdAt, undefined);
    assert.notDeepEqual(second.credentialOffer, first.profileId);
    r = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'nope', authMethod: 'PRE_AUTHORIZED' } });
    assert.equal(r.status, 404);
    assert.equal(r.body.message, 'Profile not found: nope');
    r = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: '{broken' });
    assert.equal(r.status, 400);
    r = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'isoMdl', authMethod: 'PRE_AUTHORIZED', expiresInSeconds: -1 } });
    assert.equal(r.body.expiresAt, 3093527980800000, 'never, as walt.id encodes it');
    r = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'isoMdl', authMethod: 'AUTHORIZED', issuerStateMode: 'INCLUDE' } });
    assert.equal(r.body.issuerStateMode, 'INCLUDE');
    r = await json(`${s.url}/issuer2/sessions/mine`);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'ACTIVE', 'status written out');
    assert.equal(r.body.isClosed, false, 'isClosed written out');
    assert.equal(r.body.sessionId, 'mine');
    assert.equal(r.body.authenticationMethod, 'PRE_AUTHORIZED');
    assert.match(r.body.expiresAt, /^\d{4}-\d\d-\d\dT/);
    assert.equal(r.body.issuerKey.jwk.d.length > 0, true, 'the management API returns the issuer key unredacted (every walt.id version)');
    const list = await json(`${s.url}/issuer2/sessions`);
    assert.ok(list.body.some((x) => x.sessionId === 'mine'));
    const profiles = await json(`${s.url}/issuer2/profiles`);
    assert.deepEqual(
      profiles.body.map((p) => [p.profileId, p.credentialConfigurationId]),
      [
        ['openBadgeCredential', 'OpenBadgeCredential_jwt_vc_json'],
        ['universityDegree', 'UniversityDegree_jwt_vc_json'],
        ['identityCredentialSdJwt', 'identity_credential'],
        ['isoMdl', 'org.iso.18013.5.1.mDL'],
      ],
    );
    assert.equal((await json(`${s.url}/issuer2/profiles/isoMdl`)).body.format, 'mso_mdoc');
    assert.equal((await json(`${s.url}/issuer2/profiles/nope`)).status, 404);
  } finally {
    await s.close();
  }
});

test('expiry deletes the session without an event: GET 404, SSE 200 then closed at once', async () => {
  // The test expires the session (what the expiresAt timer does, below), instead of waiting for a clock.
  const s = await sandbox({ expiry: 'on-request' });
  try {
    const r = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'isoMdl', authMethod: 'PRE_AUTHORIZED', expiresInSeconds: 1 } });
    const id = r.body.offerId;
    assert.equal((await json(`${s.url}/issuer2/sessions/${id}`)).status, 200);
    const global = readSse(`${s.url}/issuer2/events`, 2);
    await waitFor(() => s.store.global.size === 1);
    assert.deepEqual((await json(`${s.url}/sandbox/sessions/${id}/expire`, { method: 'POST' })).body, { sessionId: id, status: 'EXPIRED' });
    assert.equal((await json(`${s.url}/issuer2/sessions/${id}`)).status, 404);
    const stream = await readSse(`${s.url}/issuer2/sessions/${id}/events`, 1);
    assert.equal(stream.status, 200);
    assert.deepEqual(stream.messages, []);
    assert.equal((await json(`${s.url}/sandbox/sessions/${id}/expire`, { method: 'POST' })).status, 404);
    assert.equal((await json(`${s.url}/sandbox/sessions/${id}/expire`)).status, 405);
    // No event went out at expiry: the next one on the issuer-wide stream is the next offer's.
    await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'isoMdl', authMethod: 'PRE_AUTHORIZED' } });
    assert.deepEqual(
      (await global).messages.slice(1).map((m) => m.event),
      ['credential_offer_created'],
    );
  } finally {
    await s.close();
  }
  // The timer: a session is deleted at its expiresAt, not a millisecond before (a mocked clock);
  // with expiry on request, never by a timer.
  const profile = loadProfiles().get('isoMdl');
  const offer = /** @type {any} */ (validateOfferRequest({ profileId: 'isoMdl', authMethod: 'PRE_AUTHORIZED', expiresInSeconds: 1 }));
  const build = () => ({ credentialOffer: 'openid-credential-offer://', credentialData: {} });
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  try {
    const timed = new SessionStore();
    const onRequest = new SessionStore(undefined, false);
    const a = timed.create(profile, offer, build);
    const b = onRequest.create(profile, offer, build);
    mock.timers.tick(999);
    assert.ok(timed.get(a.id), 'alive until its expiresAt');
    mock.timers.tick(1);
    assert.equal(timed.get(a.id), undefined, 'deleted at its expiresAt');
    mock.timers.tick(3_600_000);
    assert.ok(onRequest.get(b.id), 'expiry on request: no timer');
    assert.equal(onRequest.expire(b.id), true);
    assert.equal(onRequest.get(b.id), undefined);
  } finally {
    mock.timers.reset();
  }
});

test('SSE like walt.id: CRLF frames, {} first, no-store, nonce only issuer-wide, terminal status on the credential event, replay of 10', async () => {
  const s = await sandbox();
  try {
    const { body } = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'identityCredentialSdJwt', authMethod: 'PRE_AUTHORIZED' } });
    const id = body.offerId;
    const first = readSse(`${s.url}/issuer2/sessions/${id}/events`, 5);
    const global = readSse(`${s.url}/issuer2/events`, 6);
    await waitFor(() => s.store.get(id)?.subscribers.size === 1 && s.store.global.size === 1);
    const claimed = await json(`${s.url}/sandbox/sessions/${id}/claim?outcome=success`, { method: 'POST' });
    assert.deepEqual(claimed.body, { sessionId: id, outcome: 'success', status: 'SUCCESSFUL' });
    const a = await first;
    assert.equal(a.contentType, 'text/event-stream');
    assert.equal(a.headers['cache-control'], 'no-store');
    assert.equal(a.headers['x-accel-buffering'], 'no');
    assert.ok(a.raw.startsWith('data: {}\r\n\r\ndata: {"target"'), 'CRLF framing');
    assert.deepEqual(a.messages[0], {});
    assert.deepEqual(
      a.messages.slice(1).map((m) => `${m.event}:${m.session.status}`),
      [
        'credential_offer_retrieved:ACTIVE',
        'token_request_pre_authorized_code_succeeded:ACTIVE',
        'credential_request_sd_jwt_vc_succeeded:SUCCESSFUL',
        'issuance_status_changed:SUCCESSFUL',
      ],
    );
    const credentialEvent = a.messages[3];
    assert.equal(credentialEvent.session.isClosed, true, 'saved terminal before the credential event');
    assert.deepEqual(credentialEvent.session.issuerKey, { type: 'redacted' });
    assert.equal(credentialEvent.target, id);
    assert.equal(typeof credentialEvent.requestId, 'string');
    assert.equal('error' in credentialEvent, false, 'the SSE copy omits nulls');
    const g = await global;
    assert.deepEqual(
      g.messages.slice(1).map((m) => m.event),
      ['credential_offer_retrieved', 'token_request_pre_authorized_code_succeeded', 'nonce_request_succeeded', 'credential_request_sd_jwt_vc_succeeded', 'issuance_status_changed'],
    );
    const nonce = g.messages.find((m) => m.event === 'nonce_request_succeeded');
    assert.deepEqual(nonce.session, {}, 'nonce events are issuer-level');
    assert.equal(nonce.target, nonce.requestId);
    const late = await readSse(`${s.url}/issuer2/sessions/${id}/events`, 5);
    assert.deepEqual(late.messages.slice(1), a.messages.slice(1), 'replayed to a new subscriber');
    const again = await json(`${s.url}/sandbox/sessions/${id}/claim`, { method: 'POST' });
    assert.equal(again.status, 409);
    assert.equal((await json(`${s.url}/sandbox/sessions/${id}/claim`)).status, 405, 'GET on the claim route says to POST');
    assert.match((await json(`${s.url}/`)).body.name, /sandbox/);
  } finally {
    await s.close();
  }
});

test('events emitted before the first subscriber are never delivered by SSE; the replay buffer keeps the last 10', async () => {
  const s = await sandbox();
  try {
    const { body } = await json(`${s.url}/issuer2/credential-offers`, {
      method: 'POST',
      body: { profileId: 'openBadgeCredential', authMethod: 'PRE_AUTHORIZED', txCode: { length: 6 } },
    });
    // Retrieved before anyone subscribed: not buffered.
    await json(`${s.url}/openid4vci/credential-offer?id=${body.offerId}`);
    const stream = readSse(`${s.url}/issuer2/sessions/${body.offerId}/events`, 12);
    await waitFor(() => s.store.get(body.offerId)?.subscribers.size === 1);
    for (let i = 0; i < 12; i++) await json(`${s.url}/openid4vci/credential-offer?id=${body.offerId}`);
    await stream;
    const late = await readSse(`${s.url}/issuer2/sessions/${body.offerId}/events`, 11);
    assert.equal(late.messages.length, 11, '{} and the last 10');
  } finally {
    await s.close();
  }
});

test('--auto-claim waits for a first subscriber, so a tail started late still sees every event', async () => {
  const s = await sandbox({ autoClaimMs: 0 });
  try {
    const { body } = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'openBadgeCredential', authMethod: 'PRE_AUTHORIZED' } });
    // The auto-claim is due (after 0 ms) and waits: no subscriber yet.
    await waitFor(() => s.waitingAutoClaims === 1);
    assert.equal((await json(`${s.url}/issuer2/sessions/${body.offerId}`)).body.status, 'ACTIVE', 'not claimed without a subscriber');
    const stream = await readSse(`${s.url}/issuer2/sessions/${body.offerId}/events`, 5);
    assert.equal(stream.messages.at(-1).session.status, 'SUCCESSFUL');
  } finally {
    await s.close();
  }
});

test('the real wallet against the sandbox: event sequences per outcome × format × generation, as docs/providers.md says', async () => {
  const ISSUE = {
    current: (f) => `credential_request_${f}_succeeded`,
    interim: (f) => ({ w3c_vc: 'jwt_issued', sd_jwt_vc: 'sd_jwt_issued', mso_mdoc: 'mdoc_issued' })[f],
    legacy: (f) => ({ w3c_vc: 'jwt_issue', sd_jwt_vc: 'sdjwt_issue', mso_mdoc: 'generated_mdoc' })[f],
  };
  const expected = {
    current: {
      success: (f) => [
        'credential_offer_retrieved:ACTIVE',
        'token_request_pre_authorized_code_succeeded:ACTIVE',
        `${ISSUE.current(f)}:SUCCESSFUL`,
        'issuance_status_changed:SUCCESSFUL',
      ],
      fail: (f) => [
        'credential_offer_retrieved:ACTIVE',
        'token_request_pre_authorized_code_succeeded:ACTIVE',
        `credential_request_${f}_failed:UNSUCCESSFUL!invalid_proof`,
        'issuance_status_changed:UNSUCCESSFUL',
      ],
      // A wrong tx code is refused and the session stays ACTIVE (the wallet may retry).
      'wrong-tx-code': () => ['credential_offer_retrieved:ACTIVE', 'token_request_pre_authorized_code_failed:ACTIVE!invalid_grant'],
    },
    interim: {
      success: (f) => ['credential_offer_resolved:ACTIVE', 'access_token_issued:ACTIVE', `${ISSUE.interim(f)}:SUCCESSFUL`, 'issuance_status:SUCCESSFUL'],
      fail: () => ['credential_offer_resolved:ACTIVE', 'access_token_issued:ACTIVE', 'issuance_status:UNSUCCESSFUL!invalid_proof'],
      'wrong-tx-code': () => ['credential_offer_resolved:ACTIVE', 'tx_code_validation_failed:ACTIVE!invalid_grant'],
    },
    legacy: {
      success: (f) => ['resolved_credential_offer:ACTIVE', 'requested_token:ACTIVE', `${ISSUE.legacy(f)}:SUCCESSFUL`, 'issuance_status:SUCCESSFUL'],
      // v1.0.0-PRE: only issuance_status on a credential failure, nothing on a token failure.
      fail: () => ['resolved_credential_offer:ACTIVE', 'requested_token:ACTIVE', 'issuance_status:UNSUCCESSFUL'],
      'wrong-tx-code': () => ['resolved_credential_offer:ACTIVE'],
    },
  };
  const formats = { openBadgeCredential: 'w3c_vc', identityCredentialSdJwt: 'sd_jwt_vc', isoMdl: 'mso_mdoc' };
  for (const names of ['current', 'interim', 'legacy']) {
    const s = await sandbox({ eventNames: names });
    try {
      for (const [profile, format] of Object.entries(formats)) {
        for (const outcome of ['success', 'fail', 'wrong-tx-code']) {
          const { body } = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: profile, authMethod: 'PRE_AUTHORIZED', txCode: { length: 6 } } });
          const want = expected[names][outcome](format);
          const stream = readSse(`${s.url}/issuer2/sessions/${body.offerId}/events`, want.length + 1);
          await waitFor(() => s.store.get(body.offerId)?.subscribers.size === 1);
          const claimed = await json(`${s.url}/sandbox/sessions/${body.offerId}/claim?outcome=${outcome}`, { method: 'POST' });
          const messages = (await stream).messages.slice(1);
          const got = messages.map((m) => `${m.event}:${m.session.status}${m.error ? `!${m.error}` : ''}`);
          assert.deepEqual(got, want, `${names} ${profile} ${outcome}`);
          assert.equal(claimed.body.status, { success: 'SUCCESSFUL', fail: 'UNSUCCESSFUL', 'wrong-tx-code': 'ACTIVE' }[outcome]);
          if (names === 'legacy') {
            assert.deepEqual(Object.keys(messages[0]), ['target', 'event', 'session'], 'v1.0.0-PRE sends no requestId');
            assert.ok(messages[0].session.issuerKey.jwk.d, 'v1.0.0-PRE leaks the issuer private key in every event');
          } else assert.equal(typeof messages[0].requestId, 'string');
        }
      }
    } finally {
      await s.close();
    }
  }
});

test('webhooks: created before the 201, one attempt, explicit nulls, no nonce events, signed and verified by the official library', async () => {
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
    assert.equal(JSON.parse(got[0].body).event, 'credential_offer_created', 'delivered before the 201');
    await json(`${s.url}/sandbox/sessions/${body.offerId}/claim`, { method: 'POST' });
    assert.deepEqual(
      got.map((g) => JSON.parse(g.body).event),
      ['credential_offer_created', 'credential_offer_retrieved', 'token_request_pre_authorized_code_succeeded', 'credential_request_w3c_vc_succeeded', 'issuance_status_changed'],
    );
    const first = JSON.parse(got[1].body);
    assert.equal(first.error, null, 'the webhook body carries explicit nulls');
    assert.equal(first.error_description, null);
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
    assert.equal(got.length - before, 5);
    // A webhook pointing back at the sandbox's own wallet route would loop: refused.
    const loop = await json(`${s.url}/issuer2/credential-offers`, {
      method: 'POST',
      body: { profileId: 'openBadgeCredential', authMethod: 'PRE_AUTHORIZED', runtimeOverrides: { notifications: { webhook: { url: `${s.url}/sandbox/sessions/x/claim` } } } },
    });
    assert.equal(loop.status, 400);
    assert.match(loop.body.message, /points at this sandbox/);
  } finally {
    await s.close();
    await receiver.close();
  }
});

test('bounds: live sessions capped (closed ones evicted first, then 503)', async () => {
  const s = await sandbox({ maxSessions: 2 });
  try {
    const create = () => json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: { profileId: 'openBadgeCredential', authMethod: 'PRE_AUTHORIZED' } });
    const a = await create();
    await create();
    assert.equal((await create()).status, 503, 'full of open sessions');
    await json(`${s.url}/sandbox/sessions/${a.body.offerId}/claim`, { method: 'POST' });
    assert.equal((await create()).status, 201, 'the closed session made room');
    assert.equal((await json(`${s.url}/issuer2/sessions/${a.body.offerId}`)).status, 404);
  } finally {
    await s.close();
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

test('CLI: sandbox signs webhooks that listen verifies; offer create --tail against it; SIGINT exits 130', async () => {
  const l = await startListen(['--secret', SECRET, '--until', 'status:SUCCESSFUL', '--timeout', '120s', '--json']);
  const sb = await startSandboxCli(['--webhook-scheme', 'standard', '--webhook-secret', SECRET, '--auto-claim', '500ms', '--event-names', 'legacy']);
  const r = await runInProcess(['offer', 'create', '--base-url', sb.url, '--profile', 'isoMdl', '--webhook-url', l.url, '--tail', '--json', '--timeout', '120s']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    parseNdjson(r.stdout)
      .slice(1)
      .map((x) => x.type),
    ['resolved_credential_offer', 'requested_token', 'generated_mdoc'],
    'the credential event already carries the terminal status: tail stops there',
  );
  const heard = await l.result;
  assert.equal(heard.code, 0, heard.stderr);
  const hooks = parseNdjson(heard.stdout);
  assert.ok(hooks.length >= 3);
  assert.ok(hooks.every((h) => h.verified === true && h.scheme === 'standard' && h.provider === 'waltid'));
  sb.result.child.kill('SIGINT');
  const done = await sb.result;
  assert.equal(done.code, 130);
  assert.match(done.stderr, /POST \/issuer2\/credential-offers → 201/);
  assert.match(done.stderr, /webhook generated_mdoc → http:\/\/127\.0\.0\.1:\d+\/: 200/);
});

test('CLI: sandbox -v logs request bodies with the tx code masked whole', async () => {
  const sb = await startSandboxCli(['-v']);
  const r = await runInProcess(['offer', 'create', '--base-url', sb.url, '--profile', 'openBadgeCredential', '--tx-code', '493536']);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => /"txCodeValue"/.test(sb.stderr()));
  sb.result.child.kill('SIGTERM');
  const done = await sb.result;
  assert.match(done.stderr, /body: \{.*"txCodeValue":"\[masked\]"/);
  assert.doesNotMatch(done.stderr, /4935/);
});

test('CLI: bad sandbox flags exit 2', async () => {
  for (const args of [
    ['--event-names', 'future'],
    ['--webhook-scheme', 'bearer', '--webhook-secret', 'x'],
    ['--public-url', '192.168.1.20:7005'],
    ['--webhook-scheme', 'standard'],
    ['--webhook-scheme', 'standard', '--webhook-secret', 'not-base64!'],
    ['--auto-claim-outcome', 'maybe'],
  ]) {
    const r = await runInProcess(['sandbox', '--port', '0', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
});

test('sandbox --ui: an inspector port in use exits 2 before anything is announced (Ready means ready)', async () => {
  const busy = await startServer(() => {});
  try {
    const r = await runInProcess(['sandbox', '--port', '0', '--ui', '--ui-port', String(busy.port)]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `error: cannot listen on 127.0.0.1:${busy.port}: address already in use\n`);
  } finally {
    await busy.close();
  }
});

test('demo exits 0 with both channels; --json prints records; a failing wallet exits 3', async () => {
  let r = await runInProcess(['demo'], { env: { COLUMNS: '140' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^SSE \(tail\)\s+Webhook \(listen\)$/m);
  assert.match(r.stdout, /credential_request_w3c_vc_succeeded SUCCESSFUL\s+\+\s*\d+ms credential_request_w3c_vc_succeeded SUCCESSFUL ✓/);
  assert.match(r.stdout, /^Webhooks\s+5 \(5 signatures verified, Standard Webhooks\)$/m);
  assert.match(r.stdout, /^Wallet \(claim\)$/m, 'the protocol steps are shown');
  assert.match(r.stdout, /✓ credential /);
  assert.match(r.stdout, /^Final status\s+SUCCESSFUL$/m);
  // 80 columns: one stacked list, no line wider than the terminal (but the offer URI, which must stay whole);
  // it ends with the same run as commands to type.
  r = await runInProcess(['demo', '--profile', 'identityCredentialSdJwt'], { env: { COLUMNS: '80' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Events \(SSE = tail, webhook = listen\)\nwebhook {2}\+ *-?\d+ms credential_offer_created ✓\n/m);
  assert.deepEqual(
    `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.length > 80 && !l.startsWith('Offer ')),
    [],
  );
  assert.match(
    r.stderr,
    /By hand, in three terminals:\n {2}export SECRET=.*\n {2}issuer-events sandbox --webhook-scheme standard --webhook-secret "\$SECRET"\n {2}issuer-events listen --secret "\$SECRET" --until status:SUCCESSFUL\n {2}issuer-events offer create --profile identityCredentialSdJwt \\\n/,
  );
  r = await runInProcess(['demo', '--json', '--profile', 'isoMdl', '--event-names', 'legacy']);
  assert.equal(r.code, 0, r.stderr);
  const records = parseNdjson(r.stdout);
  assert.deepEqual(
    records.filter((x) => x.source === 'sse').map((x) => x.type),
    ['resolved_credential_offer', 'requested_token', 'generated_mdoc'],
  );
  assert.equal(records.filter((x) => x.source === 'webhook' && x.verified).length, 4);
  r = await runInProcess(['demo', '--outcome', 'fail']);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^Final status\s+UNSUCCESSFUL$/m);
});

test('demo: no negative offsets; a refusal is the error the wallet got; the "by hand" commands only after a success', async () => {
  // Time zero is the offer request: the webhook of the offer's creation comes after it, not before.
  let r = await runInProcess(['demo'], { env: { COLUMNS: '140' } });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /\+ *-\d/);
  assert.match(r.stdout, /\+ *\d+ms credential_offer_created ✓/);
  assert.match(r.stderr, /By hand, in three terminals:/);
  // A wrong tx code leaves the session ACTIVE: the only sign of failure is the wallet's refusal.
  r = await runInProcess(['demo', '--outcome', 'wrong-tx-code'], { env: { COLUMNS: '140' } });
  assert.equal(r.code, 3, r.stderr);
  assert.doesNotMatch(r.stdout, /\+ *-\d/);
  assert.match(r.stderr, /^error: token: the issuer refused: invalid_grant \(tx_code is invalid\)\n$/m);
  assert.doesNotMatch(r.stderr, /By hand/);
  r = await runInProcess(['demo', '--outcome', 'fail'], { env: { COLUMNS: '140' } });
  assert.equal(r.code, 3, r.stderr);
  assert.deepEqual(
    r.stderr.split('\n').filter((l) => l.startsWith('error:')),
    [`error: credential: the issuer refused: invalid_proof (proof of possession could not be verified: Error verifying credential request proof jwt)`],
  );
  assert.doesNotMatch(r.stderr, /By hand/);
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
  // Without ISSUER_EVENTS_BASE_URL the script starts its own sandbox; the failing wallets run at once
  // against one sandbox, as against a real issuer (ISSUER_EVENTS_BASE_URL).
  const sandbox = await startSandboxCli();
  try {
    const [passed, invalidProof, wrongTxCode] = await Promise.all([
      run({}),
      run({ SANDBOX_OUTCOME: 'fail', ISSUER_EVENTS_BASE_URL: sandbox.url }),
      run({ SANDBOX_OUTCOME: 'wrong-tx-code', ISSUER_EVENTS_BASE_URL: sandbox.url }),
    ]);
    assert.equal(passed.code, 0, passed.out);
    assert.match(passed.out, /issuance gate: exit 0/);
    assert.match(passed.out, /issuing openBadgeCredential at http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(invalidProof.code, 3, invalidProof.out);
    assert.match(invalidProof.out, /issuance gate: exit 3/);
    assert.equal(wrongTxCode.code, 3, wrongTxCode.out);
    assert.match(wrongTxCode.out, /issuance gate: exit 3/);
  } finally {
    await sandbox.stop();
  }
});
