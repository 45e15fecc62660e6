// `listen --tunnel`, the real binary spawned.
// - Failure paths: the real @ngrok/ngrok (installed as the optional dependency), as far as it gets
//   without a network.
// - Success paths: the ngrok service cannot be reached from a test, so the spawned binary's
//   `import('@ngrok/ngrok')` is resolved to a stand-in with the library's interface
//   (test/fixtures/tunnel/ngrok-stand-in.mjs) by a module resolution hook given with
//   `node --import` (NODE_OPTIONS): issuer-events itself has no switch for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { Webhook } from 'standardwebhooks';
import { oneErrorLine, standIn, TOKEN } from '../helpers/tunnel.mjs';
import { parseNdjson, ROOT, runCli, startListen, waitFor } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { browserTest } from '../helpers/browser.mjs';
import { openPage, raw, startWithUi } from '../helpers/inspector.mjs';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ENGINE = fileURLToPath(new URL('../fixtures/tunnel/listen-engine.mjs', import.meta.url));
const tmp = () => mkdtempSync(join(tmpdir(), 'ie-tunnel-'));

function signed(body, id) {
  const at = new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(SECRET).sign(id, at, body),
  };
}

test('no auth token: exit 2 naming NGROK_AUTHTOKEN and where to get one, before anything listens', async () => {
  const r = await runInProcess(['listen', '--port', '0', '--tunnel', 'ngrok']);
  assert.equal(r.code, 2);
  const line = oneErrorLine(r.stderr);
  assert.match(
    line,
    /--tunnel ngrok needs an ngrok auth token: set NGROK_AUTHTOKEN \(or ngrokAuthtoken in a context of the configuration file\); yours is at https:\/\/dashboard\.ngrok\.com\/get-started\/your-authtoken/,
  );
  assert.doesNotMatch(r.stderr, /Ready/);
  assert.equal(r.stdout, '');
});

test('a mangled token (environment or context) is exit 2 naming where it came from, never the token', async () => {
  let r = await runCli(['listen', '--port', '0', '--tunnel', 'ngrok'], { env: { NGROK_AUTHTOKEN: `ngrok config add-authtoken ${TOKEN}` } });
  assert.equal(r.code, 2);
  assert.match(
    oneErrorLine(r.stderr),
    /the ngrok auth token from NGROK_AUTHTOKEN contains spaces or line breaks \(paste the token alone\); yours is at https:\/\/dashboard\.ngrok\.com/,
  );
  assert.ok(!r.stderr.includes(TOKEN));
  const dir = tmp();
  writeFileSync(join(dir, 'issuer-events.config.json'), JSON.stringify({ context: 'dev', contexts: { dev: { ngrokAuthtoken: `"${TOKEN}"` } } }));
  r = await runCli(['listen', '--port', '0', '--tunnel', 'ngrok'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(oneErrorLine(r.stderr), /the ngrok auth token from .*issuer-events\.config\.json contexts\.dev\.ngrokAuthtoken is in quotes/);
  assert.ok(!r.stderr.includes(TOKEN));
});

test('smee is refused with the reason and the alternative; other bad tunnel flags are usage errors', async () => {
  for (const tunnel of ['smee', 'https://smee.io/AbCdEfGh']) {
    const r = await runInProcess(['listen', '--port', '0', '--tunnel', tunnel, '--scheme', 'igrant', '--secret', 's']);
    assert.equal(r.code, 2);
    const line = oneErrorLine(r.stderr);
    assert.match(
      line,
      /is refused: smee\.io re-serialises the JSON body and forces content-type: application\/json, so Standard Webhooks, Svix, iGrant\.io and Stripe signatures fail/,
    );
    assert.match(line, /smee-client\/issues\/325/);
    assert.match(line, /Use --tunnel ngrok: it forwards each request's bytes unchanged/);
  }
  // Completion offers what is accepted, and not smee.
  const completed = await runInProcess(['complete', '--', 'listen', '--tunnel', '']);
  assert.equal(completed.stdout, 'ngrok\tpublic https URL for the receiver\n:4\n');
  let r = await runInProcess(['listen', '--port', '0', '--tunnel', 'cloudflared']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown --tunnel "cloudflared": use ngrok/);
  r = await runInProcess(['listen', '--port', '0', '--tunnel-domain', 'hooks.example.com']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--tunnel-domain needs --tunnel ngrok/);
  r = await runInProcess(['listen', '--port', '0', '--tunnel', 'ngrok', '--tunnel-domain', 'https://hooks.example.com/x'], { env: { NGROK_AUTHTOKEN: TOKEN } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid --tunnel-domain "https:\/\/hooks\.example\.com\/x": give the domain alone, e.g\. hooks\.example\.com/);
});

test('the real @ngrok/ngrok with no network: the agent’s error on one line, exit 1, within 15 s; the capture closed', async (t) => {
  // Only where the ngrok service's name does not resolve: on a machine that is online this run
  // would reach ngrok, and tests stay on 127.0.0.1 (the in-process tests cover the same path with
  // the agent pointed at local servers).
  const online = await lookup('connect.ngrok-agent.com').then(
    () => true,
    () => false,
  );
  if (online) return t.skip('this machine resolves connect.ngrok-agent.com: the offline run would reach ngrok');
  const file = join(tmp(), 'hooks.ndjson');
  const started = Date.now();
  const r = await runInProcess(['listen', '--port', '0', '--tunnel', 'ngrok', '--save', file, '--allow-unsigned'], { env: { NGROK_AUTHTOKEN: TOKEN }, timeoutMs: 20_000 });
  const took = Date.now() - started;
  assert.equal(r.code, 1, r.stderr);
  assert.ok(took < 15_000, `${took} ms`);
  const line = oneErrorLine(r.stderr);
  assert.match(line, /^error: ngrok: failed to connect session: .*\(the agent could not reach the ngrok service/);
  assert.ok(!r.stderr.includes(TOKEN));
  assert.equal(r.stdout, '');
  assert.equal(readFileSync(file, 'utf8'), '', 'the capture file was opened and closed');
});

test('Ctrl-C while the real agent connects (to a service that never answers) stops at once: 130; SIGTERM: 0', async () => {
  const sockets = new Set();
  const silent = createServer((s) => sockets.add(s));
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', () => resolve(undefined)));
  const addr = `127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (silent.address()).port}`;
  try {
    for (const [signal, code] of /** @type {const} */ ([
      ['SIGINT', 130],
      ['SIGTERM', 0],
    ])) {
      const before = sockets.size;
      const child = spawn(process.execPath, [ENGINE, addr, join(tmp(), 'hooks.ndjson')], { env: { ...process.env, NGROK_AUTHTOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
      const exited = new Promise((resolve) => child.on('close', (c) => resolve(c)));
      // The agent has dialled the service and waits for its TLS handshake.
      await waitFor(() => sockets.size > before, { timeoutMs: 20_000 });
      const sent = Date.now();
      child.kill(signal);
      const exitCode = await exited;
      assert.equal(exitCode, code, stderr);
      assert.ok(Date.now() - sent < 2000, `stopped ${Date.now() - sent} ms after ${signal}`);
      assert.doesNotMatch(stderr, /Ready|error/, stderr);
    }
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test('an install without the optional @ngrok/ngrok: one line that says how to add it, exit 2', async () => {
  // The package as installed with --omit=optional: bin, dist, package.json, and every dependency but @ngrok.
  const dir = tmp();
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'node_modules'));
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === '@ngrok' || name.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  }
  const r = await new Promise((resolve) => {
    const child = spawn(process.execPath, [join(dir, 'bin', 'issuer-events.js'), 'listen', '--port', '0', '--tunnel', 'ngrok'], {
      cwd: dir,
      env: { ...process.env, NGROK_AUTHTOKEN: TOKEN },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(oneErrorLine(r.stderr), /a tunnel through ngrok needs the optional package @ngrok\/ngrok, which is not installed: npm install @ngrok\/ngrok/);
});

test('through the stand-in: the public URL in the Ready line and first on stdout with --json; a signed delivery through it verifies; status changes shown; SIGINT closes the tunnel after the receiver: 130', async () => {
  const { env, calls } = standIn();
  const file = join(tmp(), 'hooks.ndjson');
  const l = await startListen(['--tunnel', 'ngrok', '--path', '/hooks/didx', '--scheme', 'standard', '--secret', SECRET, '--save', file, '--json'], { env });
  const ready = l.stderr();
  const publicUrl = /public URL (\S+) \(ngrok\)/.exec(ready)?.[1];
  assert.ok(publicUrl, ready);
  assert.match(
    ready,
    /^Ready! Listening on http:\/\/127\.0\.0\.1:\d+\/hooks\/didx \(scheme standard, 1 secret \(whsec_…#[0-9a-f]{6}\)\), public URL http:\/\/127\.0\.0\.1:\d+\/hooks\/didx \(ngrok\)/m,
  );
  const [forwardCall] = calls();
  assert.equal(forwardCall.event, 'forward');
  assert.deepEqual(forwardCall.config, { addr: new URL(l.url).origin, authtoken: TOKEN, forwards_to: 'issuer-events listen' });
  assert.equal(forwardCall.statusCallback, true, 'onStatusChange is given');

  const body = JSON.stringify({ eventType: 'openid4vc.issuance.completed', payload: { openId4VcIssuanceId: 'iss-1' } });
  const res = await request(publicUrl, { method: 'POST', headers: signed(body, 'msg_tunnel'), body });
  assert.equal(res.statusCode, 200);
  await res.body.text();

  l.child.kill('SIGUSR2');
  await waitFor(() => /connection to the ngrok service lost/.test(l.stderr()));
  l.child.kill('SIGUSR2');
  await waitFor(() => /reconnected/.test(l.stderr()));
  l.child.kill('SIGINT');
  const done = await l.result;
  assert.equal(done.code, 130, done.stderr);
  const records = parseNdjson(done.stdout);
  assert.deepEqual(records[0], { kind: 'tunnel', provider: 'ngrok', url: publicUrl, forwardsTo: l.url }, 'the tunnel record comes first');
  assert.equal(records[1].verified, true);
  assert.equal(records[1].request.body, body);
  assert.match(done.stderr, /warning: ngrok: connection to the ngrok service lost; requests to http:\S+ fail until the agent reconnects\n/);
  assert.match(done.stderr, /\nngrok: reconnected; http:\S+ forwards to this listener again\n/);
  assert.equal(calls().filter((c) => c.event === 'close').length, 1, 'the tunnel was closed once');
  assert.equal(parseNdjson(readFileSync(file, 'utf8')).length, 1, 'the capture holds the delivery, and only deliveries');
  assert.ok(!done.stderr.includes(TOKEN) && !done.stdout.includes(TOKEN));
});

test('through the stand-in: SIGTERM stops a server asked to stop (0) and closes the tunnel; --tunnel-domain and the context token reach the agent; NGROK_AUTHTOKEN wins', async () => {
  const dir = tmp();
  const fromFile = '2fileTOKENfileTOKENfileTOKEN_fileTOKEN123';
  writeFileSync(join(dir, 'issuer-events.config.json'), JSON.stringify({ context: 'dev', contexts: { dev: { ngrokAuthtoken: fromFile } } }));
  const { env, calls } = standIn({ NGROK_AUTHTOKEN: '' });
  delete env.NGROK_AUTHTOKEN;
  let l = await startListen(['--tunnel', 'ngrok', '--tunnel-domain', 'Hooks.Example.com', '--allow-unsigned'], { env, cwd: dir });
  l.child.kill('SIGTERM');
  let done = await l.result;
  assert.equal(done.code, 0, done.stderr);
  assert.deepEqual(
    calls().map((c) => c.event),
    ['forward', 'listening', 'close'],
  );
  assert.equal(calls()[0].config.authtoken, fromFile);
  assert.equal(calls()[0].config.domain, 'hooks.example.com');

  const shown = await runCli(['context', 'show'], { cwd: dir });
  assert.match(shown.stdout, /^ngrokAuthtoken\s+…#[0-9a-f]{6}\s+\S*issuer-events\.config\.json contexts\.dev\.ngrokAuthtoken$/m);
  assert.ok(!shown.stdout.includes(fromFile), 'context show masks it');

  const other = standIn({ NGROK_AUTHTOKEN: TOKEN });
  l = await startListen(['--tunnel', 'ngrok', '--allow-unsigned', '--count', '1', '--timeout', '1s'], { env: other.env, cwd: dir });
  done = await l.result;
  assert.equal(done.code, 124);
  assert.equal(other.calls()[0].config.authtoken, TOKEN, 'the environment wins over the configuration file');
  assert.equal(other.calls().at(-1).event, 'close', 'the tunnel is closed on a timeout too');
  const envShown = await runCli(['context', 'show'], { cwd: dir, env: { NGROK_AUTHTOKEN: TOKEN } });
  assert.match(envShown.stdout, /^ngrokAuthtoken\s+…#[0-9a-f]{6}\s+env NGROK_AUTHTOKEN$/m);
});

test("through the stand-in: the agent's refusals as @ngrok/ngrok words them: a refused token is exit 4, a domain not yours exit 1, one line each, token masked", async () => {
  const message = `failed to connect session: The authtoken you specified is properly formed, but it is invalid.\r\nYour authtoken: ${TOKEN}\r\nThis usually happens when:\r\n    - You reset your authtoken\r\n error_code: ERR_NGROK_107`;
  let { env } = standIn({ NGROK_STAND_IN_MODE: `fail:${message}` });
  let r = await runCli(['listen', '--port', '0', '--tunnel', 'ngrok', '--allow-unsigned'], { env });
  assert.equal(r.code, 4, r.stderr);
  let line = oneErrorLine(r.stderr);
  assert.match(
    line,
    /^error: ngrok: ERR_NGROK_107: failed to connect session: The authtoken you specified is properly formed, but it is invalid\. Your authtoken: …#[0-9a-f]{6} This usually happens when/,
  );
  assert.match(line, /the ngrok service refused the auth token; your token is at https:\/\/dashboard\.ngrok\.com\/get-started\/your-authtoken/);
  assert.ok(!r.stderr.includes(TOKEN));

  ({ env } = standIn({
    NGROK_STAND_IN_MODE: 'fail:failed to start tunnel: This domain is reserved for another account.\nFailed to bind the domain "hooks.example.com". error_code: ERR_NGROK_320',
  }));
  r = await runCli(['listen', '--port', '0', '--tunnel', 'ngrok', '--tunnel-domain', 'hooks.example.com', '--allow-unsigned'], { env });
  assert.equal(r.code, 1, r.stderr);
  line = oneErrorLine(r.stderr);
  assert.match(line, /^error: ngrok: ERR_NGROK_320: failed to start tunnel: This domain is reserved for another account\. Failed to bind/);
  assert.match(line, /hooks\.example\.com must be reserved for this ngrok account/);
});

test('through the stand-in: Ctrl-C while connecting stops at once (130), the capture closed', async () => {
  const { env, calls } = standIn({ NGROK_STAND_IN_MODE: 'hang' });
  const file = join(tmp(), 'hooks.ndjson');
  const run = runCli(['listen', '--port', '0', '--tunnel', 'ngrok', '--save', file, '--allow-unsigned'], { env });
  await waitFor(() => calls().length > 0, { timeoutMs: 20_000 });
  const sent = Date.now();
  run.child.kill('SIGINT');
  const r = await run;
  assert.equal(r.code, 130, r.stderr);
  assert.ok(Date.now() - sent < 2000);
  assert.equal(r.stderr, '');
  assert.equal(readFileSync(file, 'utf8'), '');
});

test('listen --tunnel --ui: the inspector stays on 127.0.0.1 and its stream tells the page the public URL', async () => {
  const { env } = standIn();
  const l = await startWithUi(['listen', '--port', '0', '--ui', '--ui-port', '0', '--tunnel', 'ngrok', '--allow-unsigned'], { env });
  try {
    assert.match(l.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    const publicUrl = /public URL (\S+) \(ngrok\)/.exec(l.stderr())?.[1];
    const stream = await raw(l.origin, `/api/stream?token=${l.token}`);
    const config = JSON.parse(/event: config\ndata: (.*)\n/.exec(stream.text)?.[1] ?? 'null');
    assert.deepEqual(config.tunnel, { provider: 'ngrok', url: publicUrl, connected: true });
  } finally {
    l.child.kill('SIGINT');
    assert.equal((await l.result).code, 130);
  }
});

browserTest("listen --tunnel --ui: the page's header shows the public URL, and when the tunnel's connection is lost", async (browser) => {
  const { env } = standIn();
  const l = await startWithUi(['listen', '--port', '0', '--ui', '--ui-port', '0', '--tunnel', 'ngrok', '--allow-unsigned'], { env });
  try {
    const publicUrl = /public URL (\S+) \(ngrok\)/.exec(l.stderr())?.[1];
    const { page, errors } = await openPage(browser, l.url);
    const header = page.getByTestId('public-url');
    await header.waitFor({ state: 'visible' });
    assert.equal(await header.textContent(), `public ${publicUrl} (ngrok)`);
    l.child.kill('SIGUSR2');
    await page.waitForFunction((url) => document.getElementById('public-url')?.textContent === `public ${url} (ngrok): reconnecting…`, publicUrl);
    assert.equal(await header.getAttribute('class'), 'public-url lost');
    l.child.kill('SIGUSR2');
    await page.waitForFunction((url) => document.getElementById('public-url')?.textContent === `public ${url} (ngrok)`, publicUrl);
    assert.deepEqual(errors, []);
  } finally {
    l.child.kill('SIGINT');
    await l.result;
  }
});

/** Starts `sandbox` and resolves once it printed its Ready line. @param {string[]} args @param {Record<string, string>} env */
async function startSandbox(args, env) {
  let err = '';
  let found;
  const ready = new Promise((resolve) => (found = resolve));
  const result = runCli(['sandbox', '--port', '0', ...args], {
    env,
    timeoutMs: 120_000,
    onStderr(d) {
      err += d;
      if (/Ready! Sandbox issuer on /.test(err)) found(undefined);
    },
  });
  await Promise.race([ready, result.then((r) => Promise.reject(new Error(`sandbox exited ${r.code}: ${r.stderr}`)))]);
  return { result, child: result.child, stderr: () => err };
}

test('sandbox --tunnel (stand-in): offers carry the public URL, and the claim wallet claims through it; SIGTERM closes the tunnel: 0', async () => {
  const { env, calls } = standIn();
  const s = await startSandbox(['--tunnel', 'ngrok', '--json'], env);
  const local = /Ready! Sandbox issuer on (\S+), public URL (\S+) \(ngrok\)/.exec(s.stderr());
  assert.ok(local, s.stderr());
  const [, localUrl, publicUrl] = local;
  assert.equal(calls()[0].config.addr, localUrl);
  assert.equal(calls()[0].config.forwards_to, 'issuer-events sandbox');
  const res = await request(`${localUrl}/issuer2/credential-offers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ profileId: 'openBadgeCredential', authMethod: 'PRE_AUTHORIZED' }),
  });
  const offer = /** @type {any} */ (await res.body.json());
  assert.equal(res.statusCode, 201, JSON.stringify(offer));
  assert.ok(decodeURIComponent(offer.credentialOffer).includes(`${publicUrl}/openid4vci/credential-offer?id=`), offer.credentialOffer);
  const claimed = await runInProcess(['claim', offer.credentialOffer, '--json']);
  assert.equal(claimed.code, 0, claimed.stderr);
  assert.equal(parseNdjson(claimed.stdout)[0].credentials.length, 1);
  s.child.kill('SIGTERM');
  const done = await s.result;
  assert.equal(done.code, 0, done.stderr);
  assert.deepEqual(parseNdjson(done.stdout)[0], { kind: 'tunnel', provider: 'ngrok', url: publicUrl, forwardsTo: localUrl });
  assert.equal(calls().at(-1).event, 'close');

  const both = await runCli(['sandbox', '--port', '0', '--tunnel', 'ngrok', '--public-url', 'http://192.168.1.20:7005'], { env });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--tunnel sets the public URL itself: give --tunnel or --public-url, not both/);
});
