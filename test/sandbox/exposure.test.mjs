// The sandbox against a hostile web page and a hostile wallet (issue 25, findings 9 to 13 and 15).
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { request } from 'undici';
import { loadProfiles, SandboxIssuer } from '../../dist/index.js';
import { browserTest } from '../helpers/browser.mjs';
import { waitFor } from '../helpers/cli.mjs';
import { listen, readBody } from '../helpers/http.mjs';
import { raw } from '../helpers/inspector.mjs';

/** @type {SandboxIssuer[]} */
const started = [];
after(() => Promise.all(started.map((s) => s.close())));

/** @param {Record<string, unknown>} [options] */
async function sandbox(options = {}) {
  const lines = /** @type {string[]} */ ([]);
  const s = new SandboxIssuer({ host: '127.0.0.1', port: 0, profiles: loadProfiles(), eventNames: 'current', log: (line) => lines.push(line), ...options });
  await s.start();
  started.push(s);
  return Object.assign(s, { lines });
}

/**
 * @param {string} url
 * @param {{ method?: string, body?: unknown, headers?: Record<string, string> }} [options]
 * @returns {Promise<{ status: number, body: any }>}
 */
async function json(url, { method = 'GET', body, headers = {} } = {}) {
  const res = await request(url, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? JSON.parse(text) : undefined };
}

const offerOf = (/** @type {string} */ profileId, extra = {}) => ({ profileId, authMethod: 'PRE_AUTHORIZED', ...extra });

test('9. the sandbox answers loopback names and its own only (DNS rebinding), and its management API takes JSON from no web page', async () => {
  const s = await sandbox();
  const port = new URL(s.url).port;
  const created = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: offerOf('openBadgeCredential') });
  assert.equal(created.status, 201);
  // A page on x.evil.example, which now resolves to 127.0.0.1, reads the sessions (and the issuer's private JWK).
  const rebound = await raw(s.url, '/issuer2/sessions', { headers: { host: `x.evil.example:${port}` } });
  assert.equal(rebound.status, 403);
  assert.match(JSON.parse(rebound.text).message, /^forbidden Host x\.evil\.example:\d+: the sandbox answers loopback names and its own/);
  assert.doesNotMatch(rebound.text, /"d":/);
  for (const path of ['/openid4vci/jwks', '/.well-known/openid-credential-issuer/openid4vci']) {
    assert.equal((await raw(s.url, path, { headers: { host: `x.evil.example:${port}` } })).status, 403, path);
  }
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `app.localhost:${port}`]) {
    assert.equal((await raw(s.url, '/issuer2/sessions', { headers: { host } })).status, 200, host);
  }
  // Cross-site requests to the management API, whatever their body.
  const offer = JSON.stringify(offerOf('openBadgeCredential'));
  const post = (/** @type {Record<string, string>} */ headers) => raw(s.url, '/issuer2/credential-offers', { method: 'POST', headers, body: offer });
  let r = await post({ 'content-type': 'application/json', origin: 'http://evil.example' });
  assert.equal(r.status, 403);
  assert.match(JSON.parse(r.text).message, /cross-origin request from http:\/\/evil\.example/);
  r = await post({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' });
  assert.equal(r.status, 403);
  // What a form or a no-cors fetch can send without a preflight: refused as walt.id (Ktor) does.
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    r = await post({ 'content-type': type });
    assert.equal(r.status, 415, type);
    assert.equal(JSON.parse(r.text).id, 'UnsupportedMediaTypeException');
  }
  assert.equal((await post({})).status, 415, 'no content type');
  const id = created.body.offerId;
  r = await raw(s.url, `/sandbox/sessions/${id}/claim?outcome=fail`, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' } });
  assert.equal(r.status, 403);
  assert.equal((await raw(s.url, `/sandbox/sessions/${id}/expire`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status, 415);
  assert.equal((await raw(s.url, '/issuer2/sessions', { headers: { 'sec-fetch-site': 'cross-site' } })).status, 403);
  // Same-origin and non-browser clients still work: a JSON POST, curl's bare POST, a same-origin page.
  assert.equal((await post({ 'content-type': 'application/json; charset=utf-8', 'sec-fetch-site': 'same-origin', origin: s.url })).status, 201);
  assert.equal(s.store.size, 2, 'only the two allowed offers were created');
  assert.equal((await raw(s.url, `/sandbox/sessions/${id}/expire`, { method: 'POST' })).status, 200);
});

test('9. --public-url and --host make their names legitimate; a wildcard is not a name', async () => {
  const lan = await sandbox({ publicUrl: 'http://issuer.lan.test:7005' });
  const port = new URL(lan.url).port;
  assert.equal((await raw(lan.url, '/issuer2/sessions', { headers: { host: 'issuer.lan.test:7005' } })).status, 200);
  assert.equal((await raw(lan.url, '/issuer2/sessions', { headers: { host: `evil.lan.test:${port}` } })).status, 403);
  const wild = await sandbox({ host: '0.0.0.0' });
  const wildPort = new URL(wild.url).port;
  assert.equal((await raw(`http://127.0.0.1:${wildPort}`, '/issuer2/sessions', { headers: { host: `evil.example:${wildPort}` } })).status, 403);
  // The sandbox's own offers name it by its listening URL: that name is answered.
  assert.equal((await raw(`http://127.0.0.1:${wildPort}`, '/issuer2/sessions', { headers: { host: new URL(wild.url).host } })).status, 200);
});

browserTest('9. a cross-site page cannot create an offer (a no-cors text/plain POST) nor make the sandbox call its webhook', async (browser) => {
  const s = await sandbox();
  /** @type {string[]} */
  const hooks = [];
  const hook = await listen(async (req, res) => {
    hooks.push((await readBody(req)).toString('utf8'));
    res.end();
  });
  const body = JSON.stringify(offerOf('openBadgeCredential', { runtimeOverrides: { notifications: { webhook: { url: `${hook.url}/stolen` } } } }));
  // The attacker's page, on another site (localhost is not 127.0.0.1 to the browser).
  const attacker = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><script>
      fetch(${JSON.stringify(`${s.url}/issuer2/credential-offers`)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(body)} })
        .finally(() => { document.title = 'sent'; });
    </script>`);
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://localhost:${attacker.port}/`);
    await page.waitForFunction(() => document.title === 'sent');
    const line = s.lines.find((l) => l.startsWith('POST /issuer2/credential-offers'));
    assert.ok(line, 'the request reached the sandbox');
    assert.match(line, /→ (403|415) /);
    assert.equal(s.store.size, 0);
    assert.deepEqual(hooks, []);
  } finally {
    await hook.close();
    await attacker.close();
  }
});

/** A wallet, step by step: offer, token, then `count` nonces. */
async function tokenFor(/** @type {SandboxIssuer} */ s, /** @type {string} */ profileId, count = 1) {
  const created = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: offerOf(profileId) });
  assert.equal(created.status, 201);
  const offer = (await json(`${s.url}/openid4vci/credential-offer?id=${created.body.offerId}`)).body;
  const code = offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'];
  const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': code });
  const token = await request(`${s.url}/openid4vci/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  const { access_token } = /** @type {any} */ (await token.body.json());
  const nonces = [];
  for (let i = 0; i < count; i++) nonces.push((await json(`${s.url}/openid4vci/nonce`, { method: 'POST', body: {} })).body.c_nonce);
  return { sessionId: created.body.offerId, accessToken: access_token, nonces, configurationId: offer.credential_configuration_ids[0], audience: offer.credential_issuer };
}

function credentialRequest(/** @type {SandboxIssuer} */ s, /** @type {{ accessToken: string, configurationId: string }} */ t, /** @type {string} */ jwt) {
  return json(`${s.url}/openid4vci/credential`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.accessToken}` },
    body: { credential_configuration_id: t.configurationId, proofs: { jwt: [jwt] } },
  });
}

const proofClaims = (/** @type {string} */ audience, /** @type {string} */ nonce) => ({ aud: audience, nonce, iat: Math.floor(Date.now() / 1000) });
const b64 = (/** @type {unknown} */ value) => Buffer.from(JSON.stringify(value)).toString('base64url');

test('10. a proof signed with a symmetric key (HS256), with alg none, or with an algorithm the issuer does not advertise is refused with 400 invalid_proof, in every format', async () => {
  const s = await sandbox();
  const secret = randomBytes(32);
  const { publicKey: rsaPublic, privateKey: rsaPrivate } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = await generateKeyPair('ES256', { extractable: true });
  const ecJwk = await exportJWK(ec.publicKey);
  /** @type {[string, (audience: string, nonce: string) => Promise<string>][]} */
  const proofs = [
    [
      'HS256 with an oct jwk',
      (aud, nonce) =>
        new SignJWT(proofClaims(aud, nonce))
          .setProtectedHeader({ alg: 'HS256', typ: 'openid4vci-proof+jwt', jwk: /** @type {any} */ ({ kty: 'oct', k: secret.toString('base64url') }) })
          .sign(secret),
    ],
    ['alg none', async (aud, nonce) => `${b64({ alg: 'none', typ: 'openid4vci-proof+jwt', jwk: ecJwk })}.${b64(proofClaims(aud, nonce))}.`],
    [
      'RS256 (not advertised)',
      async (aud, nonce) =>
        new SignJWT(proofClaims(aud, nonce))
          .setProtectedHeader({ alg: 'RS256', typ: 'openid4vci-proof+jwt', jwk: /** @type {any} */ (rsaPublic.export({ format: 'jwk' })) })
          .sign(rsaPrivate),
    ],
  ];
  for (const profileId of ['openBadgeCredential', 'identityCredentialSdJwt', 'isoMdl']) {
    for (const [name, make] of proofs) {
      const t = await tokenFor(s, profileId);
      const r = await credentialRequest(s, t, await make(t.audience, t.nonces[0]));
      assert.equal(r.status, 400, `${profileId}, ${name}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error, 'invalid_proof', `${profileId}, ${name}`);
    }
    // An advertised asymmetric algorithm still works.
    const t = await tokenFor(s, profileId);
    const ok = await credentialRequest(
      s,
      t,
      await new SignJWT(proofClaims(t.audience, t.nonces[0])).setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk: ecJwk }).sign(ec.privateKey),
    );
    assert.equal(ok.status, 200, `${profileId}: ${JSON.stringify(ok.body)}`);
  }
});

test('11. eight credential requests at once on one session: one credential, seven refusals', async () => {
  const s = await sandbox();
  const ec = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(ec.publicKey);
  const t = await tokenFor(s, 'identityCredentialSdJwt', 8);
  const jwts = await Promise.all(
    t.nonces.map((nonce) => new SignJWT(proofClaims(t.audience, nonce)).setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk }).sign(ec.privateKey)),
  );
  const answers = await Promise.all(jwts.map((jwt) => credentialRequest(s, t, jwt)));
  const statuses = answers.map((a) => a.status).sort();
  assert.deepEqual(statuses, [200, 400, 400, 400, 400, 400, 400, 400], JSON.stringify(answers.map((a) => a.body)));
  for (const refused of answers.filter((a) => a.status !== 200)) assert.equal(refused.body.error, 'invalid_credential_request');
  assert.equal(s.store.get(t.sessionId)?.status, 'SUCCESSFUL');
});

test('12. the bytes sessions hold are bounded, not only their count: beyond the bound, 503 with the reason; closed sessions make room', async () => {
  setFlagsFromString('--expose-gc');
  const gc = /** @type {() => void} */ (runInNewContext('gc'));
  const maxSessionBytes = 16 * 1024 * 1024;
  const s = await sandbox({ maxSessionBytes });
  // ~512 KB of credentialData per offer, in many small members (objects take more than their JSON).
  const credentialSubject = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`claim${i}`, `value-${i}-xxxxxxxx`]));
  gc();
  const before = process.memoryUsage().heapUsed;
  let created = 0;
  let refused;
  for (let i = 0; i < 200 && !refused; i++) {
    const r = await json(`${s.url}/issuer2/credential-offers`, {
      method: 'POST',
      body: offerOf('openBadgeCredential', { runtimeOverrides: { credentialData: { credentialSubject } } }),
    });
    if (r.status === 201) created++;
    else refused = r;
  }
  gc();
  const held = process.memoryUsage().heapUsed - before;
  assert.ok(refused, `all ${created} offers were kept`);
  assert.equal(refused.status, 503);
  assert.match(refused.body.message, /^Sessions hold \d+ MB of credential data and events \(the bound is 16 MB\); close or let some expire$/);
  assert.ok(created >= 5, `only ${created} offers fitted`);
  assert.ok(held < 2 * maxSessionBytes, `${Math.round(held / 1024 / 1024)} MB held for a bound of 16 MB`);
  // A closed session's bytes are given back first: the oldest goes, and a new offer fits.
  const first = s.store.all()[0];
  assert.ok(first);
  first.isClosed = true;
  first.status = 'SUCCESSFUL';
  const again = await json(`${s.url}/issuer2/credential-offers`, {
    method: 'POST',
    body: offerOf('openBadgeCredential', { runtimeOverrides: { credentialData: { credentialSubject } } }),
  });
  assert.equal(again.status, 201);
  assert.equal(s.store.get(first.id), undefined);
});

test('12. an SSE subscriber that does not read is cut off once 8 MB are queued for it, not buffered without end', async () => {
  const s = await sandbox({ maxSessionBytes: 256 * 1024 * 1024 });
  const socket = connect(Number(new URL(s.url).port), '127.0.0.1');
  socket.write(`GET /issuer2/events HTTP/1.1\r\nHost: ${new URL(s.url).host}\r\nAccept: text/event-stream\r\n\r\n`);
  await new Promise((resolve) => socket.once('data', resolve));
  // A paused socket reads nothing (and so cannot see its own end): the sandbox's side says when it is cut.
  socket.pause();
  assert.equal(s.store.global.size, /** @type {number} */ (1));
  const credentialSubject = { blob: 'x'.repeat(512 * 1024) };
  // Each offer's creation event carries the session, its credentialData included, to /issuer2/events.
  for (let i = 0; i < 80 && s.store.global.size > 0; i++) {
    const r = await json(`${s.url}/issuer2/credential-offers`, {
      method: 'POST',
      body: offerOf('openBadgeCredential', { runtimeOverrides: { credentialData: { credentialSubject } } }),
    });
    assert.equal(r.status, 201);
  }
  assert.equal(s.store.global.size, /** @type {number} */ (0), 'the subscriber that reads nothing is still being written to after 40 MB of events');
  socket.destroy();
});

test('13. an expiry no date can hold is refused with 400 before anything is stored; the session list keeps answering', async () => {
  const s = await sandbox();
  for (const expiresInSeconds of [9007199254740991, 1e12, 3153600001]) {
    const r = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: offerOf('openBadgeCredential', { expiresInSeconds }) });
    assert.equal(r.status, 400, String(expiresInSeconds));
    assert.equal(r.body.message, 'expiresInSeconds must be a positive integer up to 3153600000 (100 years), or -1 for never');
  }
  assert.equal(s.store.size, 0);
  const list = await json(`${s.url}/issuer2/sessions`);
  assert.equal(list.status, 200);
  const longest = await json(`${s.url}/issuer2/credential-offers`, { method: 'POST', body: offerOf('openBadgeCredential', { expiresInSeconds: 3153600000 }) });
  assert.equal(longest.status, 201);
  assert.equal((await json(`${s.url}/issuer2/sessions`)).status, 200);
});

test('15. a webhook URL naming the sandbox by any spelling of its address is refused as a loop; other ports and paths are not', async () => {
  const s = await sandbox({ publicUrl: 'http://sandbox.lan.test:7005' });
  const port = new URL(s.url).port;
  const spellings = [
    `127.0.0.1:${port}`,
    `localhost:${port}`,
    `LOCALHOST:${port}`,
    `localhost.:${port}`,
    `app.localhost:${port}`,
    `[::ffff:127.0.0.1]:${port}`,
    `[::ffff:7f00:1]:${port}`,
    `0.0.0.0:${port}`,
    `[::1]:${port}`,
    `127.1:${port}`,
    `2130706433:${port}`,
    'sandbox.lan.test:7005',
  ];
  for (const host of spellings) {
    const r = await json(`${s.url}/issuer2/credential-offers`, {
      method: 'POST',
      body: offerOf('openBadgeCredential', { runtimeOverrides: { notifications: { webhook: { url: `http://${host}/sandbox/sessions/x/claim` } } } }),
    });
    assert.equal(r.status, 400, `${host}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.message, /points at this sandbox/, host);
  }
  for (const url of [`http://127.0.0.1:${Number(port) === 65535 ? 1 : Number(port) + 1}/hook`, `http://localhost:${port}/issuer2/hook`]) {
    const r = await json(`${s.url}/issuer2/credential-offers`, {
      method: 'POST',
      body: offerOf('openBadgeCredential', { runtimeOverrides: { notifications: { webhook: { url } } } }),
    });
    assert.equal(r.status, 201, url);
  }
});

test('the sandbox bounds open sockets like listen does: past maxConnections a new connection is closed, and a slot frees when one closes', async () => {
  const s = await sandbox({ maxConnections: 5 });
  const { port } = new URL(s.url);
  const sockets = Array.from({ length: 12 }, () => connect(Number(port), '127.0.0.1').on('error', () => {}));
  const isClosed = (/** @type {import('node:net').Socket} */ socket) => socket.destroyed || socket.readyState === 'closed';
  await waitFor(() => sockets.filter(isClosed).length >= 7);
  assert.ok(sockets.filter(isClosed).length >= 7, `${sockets.filter(isClosed).length} of 12 sockets closed by the sandbox`);
  for (const socket of sockets) socket.destroy();
  // The slots free as the sandbox sees the sockets close: until then a new connection is closed.
  let answered;
  for (let attempt = 1; !answered; attempt++) answered = await json(`${s.url}/issuer2/sessions`).catch((error) => (attempt < 100 ? undefined : Promise.reject(error)));
  assert.equal(answered.status, 200);
});
