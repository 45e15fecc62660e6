// `check --tunnel` and `offer create --claim --tunnel` (#27), the real binary spawned against the
// embedded sandbox. The ngrok service cannot be reached from a test: the spawned binary's
// `import('@ngrok/ngrok')` resolves to the stand-in (test/fixtures/tunnel/ngrok-stand-in.mjs),
// whose "edge" on 127.0.0.1 pipes each connection, bytes unchanged, to the receiver — so the
// sandbox's webhooks reach the command only if the offer's webhook override is the tunnel's URL.
// The real @ngrok/ngrok's offline failures are the same code path as listen's
// (test/commands/listen-tunnel.test.mjs): tunnelPlan and openTunnel are shared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { oneErrorLine, standIn, TOKEN } from '../helpers/tunnel.mjs';
import { parseNdjson, runCli, waitFor } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { startSandbox } from '../helpers/sandbox.mjs';

test('offer create --claim --tunnel ngrok: the offer’s webhook override is the public URL, the webhooks arrive through it, the claim exits 0, the tunnel is closed', async () => {
  /** @type {any[]} */
  const deliveries = [];
  const sandbox = await startSandbox({ onRecord: (/** @type {any} */ r) => r.source === 'webhook' && deliveries.push(r) });
  try {
    const { env, calls } = standIn();
    const r = await runCli(['offer', 'create', '--base-url', sandbox.url, '--profile', 'openBadgeCredential', '--claim', '--tunnel', 'ngrok', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const records = parseNdjson(r.stdout);
    const [tunnel] = records;
    assert.equal(tunnel.kind, 'tunnel', 'the tunnel record comes first');
    assert.equal(tunnel.provider, 'ngrok');
    assert.match(tunnel.forwardsTo, /^http:\/\/127\.0\.0\.1:\d+\/hooks$/);
    const listening = calls().find((c) => c.event === 'listening');
    assert.equal(tunnel.url, `${listening.url}/hooks`, "the public URL is the tunnel's, with the receiver's path");
    const [forward] = calls();
    assert.deepEqual(forward.config, { addr: new URL(tunnel.forwardsTo).origin, authtoken: TOKEN, forwards_to: 'issuer-events offer create' });

    // The issuer was told the public URL, and every delivery to it was answered by the receiver.
    assert.ok(deliveries.length >= 4, JSON.stringify(deliveries.map((d) => d.type)));
    for (const d of deliveries) {
      assert.equal(d.url, tunnel.url);
      assert.equal(d.responseStatus, 200);
    }
    // Each webhook is printed beside the stream's events, terminal one included.
    const offer = records.find((x) => x.offerId);
    const webhooks = records.filter((x) => x.source === 'webhook');
    assert.equal(webhooks[0]?.type, 'credential_offer_created');
    assert.ok(webhooks.every((w) => w.sessionId === offer.offerId));
    assert.ok(
      webhooks.some((w) => w.terminal && w.status === 'SUCCESSFUL'),
      JSON.stringify(webhooks.map((w) => w.type)),
    );
    assert.ok(records.some((x) => x.source === 'sse' && x.terminal));
    assert.match(r.stderr, /^Webhooks: http:\/\/127\.0\.0\.1:\d+\/hooks \(ngrok\) forwards to http:\/\/127\.0\.0\.1:\d+\/hooks, and is the offer's webhook URL$/m);
    assert.doesNotMatch(r.stderr, /no webhook arrived/);
    assert.deepEqual(
      calls().map((c) => c.event),
      ['forward', 'listening', 'close'],
      'the tunnel is closed once, at the end',
    );
    assert.ok(!r.stdout.includes(TOKEN) && !r.stderr.includes(TOKEN));

    // Pretty output says which channel each event came from.
    const pretty = await runCli(['offer', 'create', '--base-url', sandbox.url, '--profile', 'openBadgeCredential', '--tail', '--tunnel', 'ngrok', '--timeout', '3s'], {
      env: standIn().env,
    });
    assert.equal(pretty.code, 124, pretty.stderr);
    assert.match(pretty.stdout, /^\d\d:\d\d:\d\d\.\d{3} {2}webhook {2}credential_offer_created/m);
  } finally {
    await sandbox.close();
  }
});

test('check --sandbox --tunnel ngrok: offers carry the public URL, the webhook events arrive through it and the events module passes; the header says the public URL', async () => {
  const { env, calls } = standIn();
  const r = await runCli(
    ['check', '--sandbox', '--tunnel', 'ngrok', '--profile', 'openBadgeCredential', '--only', 'oid4vci-1_0-issuer-happy-flow,issuer-events-events', '--json'],
    { env },
  );
  assert.equal(r.code, 0, r.stderr);
  const records = parseNdjson(r.stdout);
  assert.deepEqual([...new Set(records.map((x) => x.kind))], ['check', 'check-summary'], 'only the two kinds of record check prints');
  const events = records.filter((x) => x.module === 'issuer-events-events');
  const webhook = events.filter((x) => /: webhook$/.test(x.check));
  assert.ok(webhook.length >= 5, JSON.stringify(events.map((x) => x.check)));
  for (const check of events) assert.equal(check.status, 'pass', JSON.stringify(check));
  const summary = records.at(-1);
  assert.equal(summary.failed, 0);
  assert.ok(summary.latency.webhook, 'webhook latencies were measured');
  const listening = calls().find((c) => c.event === 'listening');
  const header = /webhooks to (\S+) \(ngrok → receiver (\S+)\)/.exec(r.stderr);
  assert.ok(header, r.stderr);
  assert.equal(header[1], `${listening.url}/hooks`);
  assert.equal(calls()[0].config.addr, new URL(header[2]).origin);
  assert.equal(calls()[0].config.forwards_to, 'issuer-events check');
  assert.equal(calls().at(-1).event, 'close');
  assert.equal(calls().filter((c) => c.event === 'close').length, 1);
});

test('check and offer create: --tunnel bad input is one line, exit 2, before anything is sent', async () => {
  const offer = ['offer', 'create', '--base-url', 'http://127.0.0.1:65500', '--profile', 'openBadgeCredential'];
  /** @type {[string[], Record<string, string>, RegExp][]} */
  const cases = [
    // No token: names NGROK_AUTHTOKEN and where to get one.
    [
      ['check', '--sandbox', '--tunnel', 'ngrok'],
      {},
      /--tunnel ngrok needs an ngrok auth token: set NGROK_AUTHTOKEN .*https:\/\/dashboard\.ngrok\.com\/get-started\/your-authtoken/,
    ],
    [[...offer, '--claim', '--tunnel', 'ngrok'], {}, /--tunnel ngrok needs an ngrok auth token: set NGROK_AUTHTOKEN/],
    // smee: refused with the reason and the alternative.
    [['check', '--sandbox', '--tunnel', 'smee'], {}, /--tunnel smee is refused: smee\.io re-serialises the JSON body .* Use --tunnel ngrok/],
    [[...offer, '--claim', '--tunnel', 'https://smee.io/AbCd'], {}, /--tunnel https:\/\/smee\.io\/AbCd is refused: smee\.io re-serialises/],
    [['check', '--sandbox', '--tunnel-domain', 'hooks.example.com'], {}, /--tunnel-domain needs --tunnel ngrok/],
    // What --tunnel cannot serve.
    [
      ['check', '--sandbox', '--tunnel', 'ngrok', '--webhook-url', 'http://host.docker.internal:8787/hooks'],
      { NGROK_AUTHTOKEN: TOKEN },
      /give --tunnel or --webhook-url, not both/,
    ],
    [['check', '--sandbox', '--tunnel', 'ngrok', '--events', 'sse'], { NGROK_AUTHTOKEN: TOKEN }, /--tunnel makes the webhook receiver public, and --events sse watches no webhook/],
    [['check', '--offer-command', 'true', '--tunnel', 'ngrok'], { NGROK_AUTHTOKEN: TOKEN }, /an --offer-command issuer is never told its URL/],
    [[...offer, '--tunnel', 'ngrok'], { NGROK_AUTHTOKEN: TOKEN }, /--tunnel needs --claim or --tail/],
    [[...offer, '--claim', '--tunnel', 'ngrok', '--webhook-url', 'http://127.0.0.1:8787/h'], { NGROK_AUTHTOKEN: TOKEN }, /give --tunnel or --webhook-url, not both/],
    [[...offer, '--claim', '--tunnel', 'ngrok', '--dry-run'], { NGROK_AUTHTOKEN: TOKEN }, /--dry-run sends nothing, so it opens no tunnel/],
  ];
  for (const [args, env, message] of cases) {
    // In-process with the real @ngrok/ngrok and no network: a tunnel it tried to open would end in
    // exit 1 (the agent cannot reach ngrok), and a request to the issuer at :65500 in a connection
    // error, so exit 2 with the refusal's words shows that neither was attempted.
    const r = await runInProcess(args, { env: { NGROK_AUTHTOKEN: '', ...env } });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(oneErrorLine(r.stderr), message);
    assert.equal(r.stdout, '');
  }
  // Completion offers ngrok for both.
  for (const command of [['check'], ['offer', 'create']]) {
    const completed = await runInProcess(['complete', '--', ...command, '--tunnel', '']);
    assert.equal(completed.stdout, 'ngrok\tpublic https URL for the receiver\n:4\n');
  }
});

test("through the stand-in: the agent's refusal of the token is exit 4 on one line, masked; no offer is created", async () => {
  const message = `failed to connect session: The authtoken you specified is properly formed, but it is invalid.\r\nYour authtoken: ${TOKEN}\r\n error_code: ERR_NGROK_107`;
  /** @type {any[]} */
  const seen = [];
  const sandbox = await startSandbox({ onRecord: (/** @type {any} */ r) => seen.push(r) });
  try {
    for (const args of [
      ['check', '--sandbox', '--profile', 'openBadgeCredential', '--only', 'issuer-events-events'],
      ['offer', 'create', '--base-url', sandbox.url, '--profile', 'openBadgeCredential', '--claim'],
    ]) {
      const { env } = standIn({ NGROK_STAND_IN_MODE: `fail:${message}` });
      const r = await runCli([...args, '--tunnel', 'ngrok'], { env });
      assert.equal(r.code, 4, r.stderr);
      const line = oneErrorLine(r.stderr.replace(/^Checking .*\n/m, ''));
      assert.match(line, /^error: ngrok: ERR_NGROK_107: failed to connect session: .*Your authtoken: …#[0-9a-f]{6}.*the ngrok service refused the auth token/);
      assert.ok(!r.stderr.includes(TOKEN) && !r.stdout.includes(TOKEN));
    }
    assert.deepEqual(seen, [], 'offer create sent nothing to the issuer');
  } finally {
    await sandbox.close();
  }
});

test('Ctrl-C while the tunnel connects stops at once: check and offer create exit 130, the tunnel never announced', async () => {
  for (const args of [
    ['check', '--sandbox', '--profile', 'openBadgeCredential', '--only', 'issuer-events-events'],
    ['offer', 'create', '--base-url', 'http://127.0.0.1:65500', '--profile', 'openBadgeCredential', '--claim'],
  ]) {
    const { env, calls } = standIn({ NGROK_STAND_IN_MODE: 'hang' });
    const run = runCli([...args, '--tunnel', 'ngrok', '--json'], { env });
    await waitFor(() => calls().length > 0, { timeoutMs: 20_000 });
    const sent = Date.now();
    run.child.kill('SIGINT');
    const r = await run;
    assert.equal(r.code, 130, `${args[0]}: ${r.stderr}`);
    assert.ok(Date.now() - sent < 3000, `${args[0]} stopped ${Date.now() - sent} ms after SIGINT`);
    assert.doesNotMatch(r.stdout, /"kind":"tunnel"/);
    assert.doesNotMatch(r.stderr, /error/);
  }
});

test('the real @ngrok/ngrok with no network: check and offer create fail on one line, exit 1, within 15 s, nothing sent to the issuer', async (t) => {
  // As in listen-tunnel.test.mjs: only where the ngrok service's name does not resolve (tests stay on 127.0.0.1).
  const online = await lookup('connect.ngrok-agent.com').then(
    () => true,
    () => false,
  );
  if (online) return t.skip('this machine resolves connect.ngrok-agent.com: the offline run would reach ngrok');
  /** @type {any[]} */
  const seen = [];
  const sandbox = await startSandbox({ onRecord: (/** @type {any} */ r) => seen.push(r) });
  try {
    for (const args of [
      ['check', '--sandbox', '--profile', 'openBadgeCredential', '--only', 'issuer-events-events'],
      ['offer', 'create', '--base-url', sandbox.url, '--profile', 'openBadgeCredential', '--claim'],
    ]) {
      const started = Date.now();
      const r = await runInProcess([...args, '--tunnel', 'ngrok'], { env: { NGROK_AUTHTOKEN: TOKEN }, timeoutMs: 30_000 });
      assert.equal(r.code, 1, r.stderr);
      assert.ok(Date.now() - started < 15_000, `${args[0]}: ${Date.now() - started} ms`);
      assert.match(oneErrorLine(r.stderr), /^error: ngrok: failed to connect session: .*\(the agent could not reach the ngrok service/);
      assert.ok(!r.stderr.includes(TOKEN) && !r.stdout.includes(TOKEN));
    }
    assert.deepEqual(seen, [], 'no offer was created');
  } finally {
    await sandbox.close();
  }
});
