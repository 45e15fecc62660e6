// The tunnel at the library's boundary, in-process through the programmatic API:
// - the success paths with a stand-in that has @ngrok/ngrok's interface (the ngrok service cannot
//   be reached from a test), injected as the plan's `connect`;
// - the failure paths with the real @ngrok/ngrok, its agent pointed (server_addr) at servers on
//   127.0.0.1 that refuse, stay silent or answer garbage: what it does when there is no network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { request } from 'undici';
import { Webhook } from 'standardwebhooks';
import * as ngrok from '@ngrok/ngrok';
import { openTunnel, TunnelError } from '../../dist/tunnel/index.js';
import { runListener } from '../../dist/webhooks/listener.js';
import { CONNECT_TIMEOUT_MS, loadNgrok, ngrokTokenProblem, relayRefusal } from '../../dist/tunnel/index.js';
import { ngrokError } from '../../dist/tunnel/errors.js';
import { forward as standInForward } from '../fixtures/tunnel/ngrok-stand-in.mjs';
import { refusedPort } from '../helpers/http.mjs';
import { waitFor } from '../helpers/cli.mjs';

const TOKEN = '2abcDEFghiJKLmnoPQRstuVWXyz_3yZ1234567890abcdefGHIJK';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

// Type-level: the real library's forward() fits the interface the tunnel calls (checked by `npm run typecheck`).
/** @type {import('../../dist/tunnel/types.js').NgrokConnect} */
const _realForwardFits = ngrok.forward;

/** A silent TCP server: accepts and never answers (a network that drops packets). */
async function silentServer() {
  const sockets = new Set();
  const server = createServer((s) => sockets.add(s));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  let accepted = 0;
  server.on('connection', () => accepted++);
  return {
    addr: `127.0.0.1:${port}`,
    accepted: () => accepted,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/** A fake `forward` that records its calls; `listener` decides what it resolves to and when. */
function fakeConnect({ delayMs = 0, url = 'https://abc.ngrok-free.app/', statusWhileConnecting = true } = {}) {
  const calls = { config: /** @type {any} */ (undefined), closes: 0 };
  /** @type {import('../../dist/tunnel/types.js').NgrokConnect} */
  const connect = async (config) => {
    calls.config = config;
    // The real agent reports 'closed' for a failed attempt while it connects: not news for the user.
    if (statusWhileConnecting) config.onStatusChange?.('closed');
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    config.onStatusChange?.('connected');
    return {
      url: () => url,
      close: async () => {
        calls.closes++;
      },
    };
  };
  return { connect, calls };
}

test('openTunnel: the injected connect gets the library config; the URL; status changes only once it is up; close once', async () => {
  const { connect, calls } = fakeConnect();
  const seen = [];
  const tunnel = await openTunnel(
    { provider: 'ngrok', authtoken: TOKEN, domain: 'hooks.example.com', connect },
    { origin: 'http://127.0.0.1:8787', label: 'issuer-events listen' },
    { status: (state, t) => seen.push([state, t.url]) },
  );
  assert.equal(tunnel.url, 'https://abc.ngrok-free.app', 'trailing slash trimmed: the receiver path is appended to it');
  assert.equal(tunnel.provider, 'ngrok');
  assert.deepEqual(
    { addr: calls.config.addr, authtoken: calls.config.authtoken, domain: calls.config.domain, forwards_to: calls.config.forwards_to },
    { addr: 'http://127.0.0.1:8787', authtoken: TOKEN, domain: 'hooks.example.com', forwards_to: 'issuer-events listen' },
  );
  assert.equal(typeof calls.config.onStatusChange, 'function');
  assert.deepEqual(seen, [], 'the attempts while connecting are not reported: the error or the URL says how it ended');
  calls.config.onStatusChange('connected');
  calls.config.onStatusChange('closed');
  calls.config.onStatusChange('closed');
  calls.config.onStatusChange('connected');
  assert.deepEqual(seen, [
    ['closed', 'https://abc.ngrok-free.app'],
    ['connected', 'https://abc.ngrok-free.app'],
  ]);
  await Promise.all([tunnel.close(), tunnel.close()]);
  await tunnel.close();
  assert.equal(calls.closes, 1, 'the listener is closed once');
  calls.config.onStatusChange('closed');
  assert.equal(seen.length, 2, 'nothing is reported after close');
});

test('a connection that takes too long is a timeout (exit 1); one that is abandoned is aborted; a listener arriving later is closed', async () => {
  const slow = fakeConnect({ delayMs: 1500 });
  const started = Date.now();
  await assert.rejects(openTunnel({ provider: 'ngrok', authtoken: TOKEN, connect: slow.connect, connectTimeoutMs: 100 }, { origin: 'http://127.0.0.1:1' }), (error) => {
    assert.ok(error instanceof TunnelError);
    assert.equal(error.failure, 'timeout');
    assert.equal(error.exitCode, 1);
    assert.match(error.message, /^ngrok: no connection to the ngrok service within 100ms/);
    return true;
  });
  assert.ok(Date.now() - started < 1200, 'it does not wait for the agent');
  // The listener arrives 1.5 s after the start, long after the timeout: it is closed then.
  await waitFor(() => slow.calls.closes === 1, { timeoutMs: 10_000 });
  assert.equal(slow.calls.closes, 1, 'the listener that arrived after the timeout was closed, not left forwarding');

  const abandoned = fakeConnect({ delayMs: 600 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(openTunnel({ provider: 'ngrok', authtoken: TOKEN, connect: abandoned.connect }, { origin: 'http://127.0.0.1:1' }, {}, controller.signal), {
    failure: 'aborted',
  });
  await waitFor(() => abandoned.calls.closes === 1, { timeoutMs: 10_000 });
  assert.equal(abandoned.calls.closes, 1);
});

test("the agent's errors: code and message on one line, the token never in it, exit 4 for a refused token", () => {
  // As @ngrok/ngrok words them: "<what>: <service message> error_code: ERR_NGROK_<n>", errorCode set (index.js populateErrorCode).
  const refused = Object.assign(
    new Error(
      `failed to connect session: The authtoken you specified is properly formed, but it is invalid.\r\nYour authtoken: ${TOKEN}\r\nThis usually happens when:\r\n    - You reset your authtoken\r\n error_code: ERR_NGROK_107`,
    ),
    { code: 'GenericFailure', errorCode: 'ERR_NGROK_107' },
  );
  let e = ngrokError(refused, TOKEN);
  assert.equal(e.exitCode, 4);
  assert.equal(e.failure, 'auth');
  assert.equal(e.providerCode, 'ERR_NGROK_107');
  assert.doesNotMatch(e.message, /[\r\n]/);
  assert.ok(!e.message.includes(TOKEN), e.message);
  assert.match(e.message, /^ngrok: ERR_NGROK_107: failed to connect session: The authtoken you specified is properly formed, but it is invalid\. Your authtoken: …#[0-9a-f]{6} /);
  assert.match(e.message, /dashboard\.ngrok\.com\/get-started\/your-authtoken/);
  // The code from the message alone (no errorCode property).
  e = ngrokError(new Error('failed to connect session: The authtoken you specified does not look like a proper ngrok tunnel authtoken. error_code: ERR_NGROK_105'), TOKEN);
  assert.equal(e.exitCode, 4);
  assert.equal(e.providerCode, 'ERR_NGROK_105');
  e = ngrokError(new Error('failed to start tunnel: Your account is limited to 1 simultaneous ngrok agent sessions. error_code: ERR_NGROK_108'), TOKEN);
  assert.deepEqual([e.exitCode, e.failure], [1, 'limit']);
  e = ngrokError(
    new Error('failed to start tunnel: This domain is reserved for another account.\nFailed to bind the domain "hooks.example.com" error_code: ERR_NGROK_320'),
    TOKEN,
    'hooks.example.com',
  );
  assert.deepEqual([e.exitCode, e.failure], [1, 'domain']);
  assert.match(e.message, /hooks\.example\.com must be reserved for this ngrok account: https:\/\/dashboard\.ngrok\.com\/domains/);
  e = ngrokError(new Error('failed to connect session: failed to establish tcp connection'), TOKEN);
  assert.deepEqual([e.exitCode, e.failure, e.providerCode], [1, 'network', undefined]);
  e = ngrokError(new Error('something \u001b[31mnew'), TOKEN);
  assert.deepEqual([e.exitCode, e.failure], [1, 'other']);
  assert.ok(!e.message.includes('\u001b'), 'control characters from the library are escaped');
});

test('token shapes refused before anything is sent; smee refused with the reason', () => {
  assert.equal(ngrokTokenProblem(TOKEN), undefined);
  assert.equal(ngrokTokenProblem('4nq9771bPxe8ctg7LKr_2ClH7Y15Zqe4bWLWF9p'), undefined, 'an older token shape');
  assert.match(ngrokTokenProblem(''), /empty/);
  assert.match(ngrokTokenProblem(`${TOKEN}\n`), /line breaks/);
  assert.match(ngrokTokenProblem(`ngrok config add-authtoken ${TOKEN}`), /spaces/);
  assert.match(ngrokTokenProblem(`"${TOKEN}"`), /quotes/);
  assert.match(ngrokTokenProblem(`NGROK_AUTHTOKEN=${TOKEN}`), /characters/);
  assert.match(ngrokTokenProblem('abc'), /too short/);
  for (const bad of [`${TOKEN} `, 'x']) assert.ok(!ngrokTokenProblem(bad)?.includes(bad.trim()), 'the problem never quotes the token');
  for (const name of ['smee', 'smee.io', 'https://smee.io/AbCdEf', 'https://SMEE.IO/x'])
    assert.match(relayRefusal(name) ?? '', /re-serialises the JSON body.*smee-client\/issues\/325/);
  for (const name of ['ngrok', 'https://example.com/smee.io']) assert.equal(relayRefusal(name), undefined);
});

test('runListener through the stand-in: the public URL, a signed delivery through it verifies, the tunnel closed after the receiver drained', async () => {
  const closes = [];
  /** @type {import('../../dist/tunnel/types.js').NgrokConnect} */
  const connect = async (config) => {
    const listener = await standInForward(config);
    return {
      url: () => listener.url(),
      close: () => {
        closes.push(Date.now());
        return listener.close();
      },
    };
  };
  /** @type {any} */
  let ready;
  const deliveries = [];
  let publicUrl;
  const gotReady = new Promise((resolve) => (publicUrl = resolve));
  let summaryAt = 0;
  const run = runListener(
    {
      host: '127.0.0.1',
      port: 0,
      path: '/hooks/didx',
      scheme: 'standard',
      secrets: [SECRET],
      toleranceSec: 300,
      allowUnsigned: false,
      maxBody: 1024 * 1024,
      count: 1,
      maxConnections: 100,
      redact: true,
      tunnel: { provider: 'ngrok', authtoken: TOKEN, connect },
    },
    {
      ready(info) {
        ready = info;
        publicUrl(info.tunnel.url);
      },
      delivery: (result) => deliveries.push(result),
      forwarded() {},
      timedOut() {},
      captureFailed() {},
      summary() {
        summaryAt = Date.now();
      },
    },
  );
  const url = await gotReady;
  assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+\/hooks\/didx$/);
  assert.equal(ready.tunnel.provider, 'ngrok');
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/hooks\/didx$/, "the tunnel's origin and the receiver's path");
  assert.notEqual(new URL(url).port, new URL(ready.url).port);
  const body = JSON.stringify({ eventType: 'openid4vc.issuance.completed', payload: { openId4VcIssuanceId: 'iss-1' } });
  const at = new Date();
  const headers = {
    'content-type': 'application/json',
    'webhook-id': 'msg_t1',
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(SECRET).sign('msg_t1', at, body),
  };
  const res = await request(url, { method: 'POST', headers, body });
  assert.equal(res.statusCode, 200);
  await res.body.text();
  assert.equal(await run, 0);
  assert.equal(deliveries.length, 1);
  assert.equal(deliveries[0].acceptance, 'verified');
  assert.equal(deliveries[0].record.request.body, body, 'the bytes arrived unchanged');
  assert.equal(closes.length, 1, 'the tunnel was closed');
  assert.ok(closes[0] <= summaryAt, 'before the summary, after the receiver drained');
});

test('the real @ngrok/ngrok, no network: a refused or garbled connection is one line, exit 1, at once; the token is checked before anything is sent', async () => {
  const connect = await loadNgrok();
  const port = await refusedPort();
  let started = Date.now();
  await assert.rejects(openTunnel({ provider: 'ngrok', authtoken: TOKEN, serverAddr: `127.0.0.1:${port}`, connect }, { origin: 'http://127.0.0.1:1' }), (error) => {
    assert.ok(error instanceof TunnelError, String(error));
    assert.equal(error.exitCode, 1);
    assert.equal(error.failure, 'network');
    assert.match(error.message, /^ngrok: failed to connect session: failed to establish tcp connection \(the agent could not reach the ngrok service/);
    assert.doesNotMatch(error.message, /\n/);
    assert.ok(!error.message.includes(TOKEN));
    return true;
  });
  assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`);

  // A server that answers something that is not TLS: the agent's own words.
  const garbage = createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  await new Promise((resolve) => garbage.listen(0, '127.0.0.1', () => resolve(undefined)));
  try {
    const addr = `127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (garbage.address()).port}`;
    await assert.rejects(openTunnel({ provider: 'ngrok', authtoken: TOKEN, serverAddr: addr, connect }, { origin: 'http://127.0.0.1:1' }), {
      failure: 'network',
      exitCode: 1,
      message: /^ngrok: failed to connect session: tls handshake error/,
    });
  } finally {
    garbage.close();
  }

  const silent = await silentServer();
  try {
    started = Date.now();
    await assert.rejects(openTunnel({ provider: 'ngrok', authtoken: `"${TOKEN}"`, serverAddr: silent.addr, connect }, { origin: 'http://127.0.0.1:1' }), {
      failure: 'config',
      exitCode: 2,
    });
    assert.equal(silent.accepted(), 0, 'a mangled token is refused before the agent dials');
  } finally {
    await silent.close();
  }
});

// The real agent against a service that accepts and never answers, given up at a bound of 3 s: the
// bound the CLI uses (CONNECT_TIMEOUT_MS, 10 s) is the same code with a larger number, and waiting
// it out cost this file 7 s.
test('the real @ngrok/ngrok, a network that never answers: given up at the bound (exit 1), or at once when stopped; the CLI bound is 10 s', { timeout: 30_000 }, async () => {
  assert.equal(CONNECT_TIMEOUT_MS, 10_000);
  const connectTimeoutMs = 3000;
  const connect = await loadNgrok();
  const silent = await silentServer();
  try {
    const controller = new AbortController();
    const abandoned = openTunnel({ provider: 'ngrok', authtoken: TOKEN, serverAddr: silent.addr, connect }, { origin: 'http://127.0.0.1:1' }, {}, controller.signal);
    abandoned.catch(() => {});
    // Once the agent has dialled the (silent) service and waits for its TLS handshake:
    await waitFor(() => silent.accepted() >= 1, { timeoutMs: 8000 });
    let started = Date.now();
    controller.abort();
    await assert.rejects(abandoned, { failure: 'aborted' });
    assert.ok(Date.now() - started < 1000, `stopped in ${Date.now() - started} ms`);

    started = Date.now();
    await assert.rejects(openTunnel({ provider: 'ngrok', authtoken: TOKEN, serverAddr: silent.addr, connect, connectTimeoutMs }, { origin: 'http://127.0.0.1:1' }), (error) => {
      assert.ok(error instanceof TunnelError);
      assert.equal(error.failure, 'timeout');
      assert.equal(error.exitCode, 1);
      assert.match(error.message, /^ngrok: no connection to the ngrok service within 3s/);
      return true;
    });
    const took = Date.now() - started;
    assert.ok(took >= connectTimeoutMs - 100 && took < connectTimeoutMs + 5000, `gave up after ${took} ms`);
  } finally {
    await silent.close();
  }
});
