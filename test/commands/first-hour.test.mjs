// What a newcomer meets in the first hour: clear errors, suggestions, next steps, contexts.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { after, before, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { ROOT, parseNdjson, runCli } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { startIssuerDouble } from '../helpers/issuer-double.mjs';
import { startSandboxCli } from '../helpers/sandbox.mjs';

/** @type {any} */
let issuer;
before(async () => {
  issuer = await startIssuerDouble();
});
after(() => issuer.close());

test('a checkout without dist/ says to build, in one line, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-nodist-'));
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  const r = spawnSync(process.execPath, [join(dir, 'bin/issuer-events.js'), 'tail', 'x'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'error: issuer-events is not built (no dist/): run npm run build, or npm ci (its prepare script builds)\n');
});

test('--until status:DONE is refused (exit 2) listing the statuses; a misspelt type gets a "did you mean"', async () => {
  let r = await runInProcess(['tail', 'x', '--until', 'status:DONE']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown status DONE; use one of ACTIVE, SUCCESSFUL, UNSUCCESSFUL/);
  r = await runInProcess(['tail', 'x', '--until', 'jwt_isue', '--base-url', 'http://127.0.0.1:9']);
  assert.match(r.stderr, /warning: --until jwt_isue: no provider is known to send this event type — did you mean jwt_issue\?/);
  r = await runInProcess(['listen', '--port', '0', '--allow-unsigned', '--until', 'openid4vc.issuance.complete', '--timeout', '100ms']);
  assert.match(r.stderr, /did you mean openid4vc\.issuance\.completed\?/);
});

test('tail refuses a non-http URL instead of taking it for a session id', async () => {
  const r = await runInProcess(['tail', 'ftp://x/y']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: invalid stream URL "ftp:\/\/x\/y": tail follows http\(s\) URLs or session ids\n$/);
});

test('--base-url 127.0.0.1:7005 suggests the scheme', async () => {
  const r = await runInProcess(['offer', 'create', '--profile', 'p', '--base-url', '127.0.0.1:7005']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /did you mean http:\/\/127\.0\.0\.1:7005\?/);
});

test('listen --timeout without a condition says what happened', async () => {
  const r = await runInProcess(['listen', '--port', '0', '--allow-unsigned', '--timeout', '300ms']);
  assert.equal(r.code, 124);
  assert.match(r.stderr, /--timeout 300ms reached after 0 deliveries \(no --until or --count was set\)/);
});

test('offer create names the session id and the next commands; --credential-data - reads stdin', async () => {
  let r = await runCli(['offer', 'create', '--profile', 'p', '--base-url', issuer.url, '--session-id', 'next-1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Session\s+next-1$/m);
  assert.match(r.stderr, /Next: issuer-events tail next-1 --base-url http/);
  assert.match(r.stderr, /issuer-events claim next-1 --base-url http/);
  r = await runCli(['offer', 'create', '--profile', 'p', '--base-url', issuer.url, '--credential-data', '-', '--json'], { input: '{"credentialSubject":{"name":"Ada"}}' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(issuer.requests.at(-1).body.runtimeOverrides.credentialData, { credentialSubject: { name: 'Ada' } });
});

test('context list, show (with the origin of each setting, secrets masked) and use', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-ctx-'));
  const file = join(dir, 'issuer-events.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      context: 'local',
      contexts: { local: { baseUrl: 'http://127.0.0.1:7005' }, staging: { baseUrl: 'https://issuer.example', target: 'acme.main.issuer', token: 'staging-token-secret' } },
    }),
  );
  let r = await runInProcess(['context'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '* local    http://127.0.0.1:7005\n  staging  https://issuer.example\n');
  r = await runInProcess(['context', 'show', 'staging'], { cwd: dir, env: { ISSUER_EVENTS_BASE_URL: 'http://127.0.0.1:9999' } });
  assert.match(r.stdout, /^baseUrl\s+http:\/\/127\.0\.0\.1:9999\s+env ISSUER_EVENTS_BASE_URL$/m);
  assert.match(r.stdout, /^target\s+acme\.main\.issuer\s+.*contexts\.staging\.target$/m);
  assert.doesNotMatch(r.stdout, /staging-token-secret/);
  assert.match(r.stdout, /^token\s+…#[0-9a-f]{6}\s/m);
  r = await runInProcess(['context', 'use', 'staging'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).context, 'staging');
  r = await runInProcess(['context', 'use', 'nope'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown context "nope" .*known: local, staging/);
  r = await runInProcess(['context', '--json'], { cwd: dir });
  assert.deepEqual(
    parseNdjson(r.stdout).map((c) => [c.name, c.selected]),
    [
      ['local', false],
      ['staging', true],
    ],
  );
});

test('context list and show align their columns for names and values of any length, colour not counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-ctx-'));
  const long = 'https://issuer.staging.eu-west-1.example.com/a/rather/long/path';
  writeFileSync(
    join(dir, 'issuer-events.config.json'),
    JSON.stringify({
      context: 'x',
      contexts: { x: { baseUrl: 'http://127.0.0.1:7005' }, 'staging-eu-west-1-long': { baseUrl: long }, dev: {}, 東京: { baseUrl: 'https://tokyo.example' } },
    }),
  );
  const plain = await runInProcess(['context'], { cwd: dir, env: { NO_COLOR: '1' } });
  assert.equal(plain.code, 0, plain.stderr);
  // 東京 takes four columns on a terminal, not two.
  assert.equal(plain.stdout, `* x                       http://127.0.0.1:7005\n  staging-eu-west-1-long  ${long}\n  dev\n  東京                    https://tokyo.example\n`);
  const coloured = await runInProcess(['context'], { cwd: dir, env: { FORCE_COLOR: '1' } });
  assert.match(coloured.stdout, /\x1b\[/, 'the selected context is coloured');
  assert.equal(stripVTControlCharacters(coloured.stdout), plain.stdout);
  for (const env of [{ NO_COLOR: '1' }, { FORCE_COLOR: '1' }]) {
    const show = await runInProcess(['context', 'show', 'staging-eu-west-1-long'], { cwd: dir, env });
    assert.equal(show.code, 0, show.stderr);
    const rows = stripVTControlCharacters(show.stdout).split('\n').slice(1, -1);
    assert.equal(rows.length, 5, show.stdout); // baseUrl, target, token, webhookSecret, ngrokAuthtoken
    // Name, value, source: each column starts at the same place on every row.
    const cells = rows.map((row) => /^(\S+ +)(\S+ +)(\S.*)$/.exec(row));
    assert.ok(cells.every(Boolean), show.stdout);
    assert.equal(new Set(cells.map((c) => c?.[1].length)).size, 1, show.stdout);
    assert.equal(new Set(cells.map((c) => (c?.[1].length ?? 0) + (c?.[2].length ?? 0))).size, 1, show.stdout);
    assert.match(rows[0] ?? '', new RegExp(`^baseUrl +${long.replaceAll('.', '\\.')}  \\S`));
  }
});

test('context use keeps the comments of a YAML config, the one on the context: line too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-ctx-'));
  const file = join(dir, 'issuer-events.config.yaml');
  const yaml = (selected) =>
    `# issuer-events settings\ncontext: ${selected}  # the default for this checkout\ncontexts:\n  local:\n    baseUrl: http://127.0.0.1:7005 # sandbox\n  staging:\n    baseUrl: https://issuer.example\n`;
  writeFileSync(file, yaml('local'));
  let r = await runInProcess(['context', 'use', 'staging'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(file, 'utf8'), yaml('staging'));
  writeFileSync(file, yaml("'local'").replace('staging:', '"odd: name":'));
  r = await runInProcess(['context', 'use', 'odd: name'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(file, 'utf8'), yaml('"odd: name"').replace('staging:', '"odd: name":'));
  r = await runInProcess(['context', 'show'], { cwd: dir, env: { NO_COLOR: '1' } });
  assert.match(r.stdout, /^context +odd: name /);
});

test('the sandbox answers GET / with its routes and a GET on the claim route says to POST', async () => {
  const { loadProfiles, SandboxIssuer } = await import('issuer-events');
  const s = new SandboxIssuer({ host: '127.0.0.1', port: 0, profiles: loadProfiles(), eventNames: 'current' });
  await s.start();
  try {
    const index = /** @type {any} */ (await (await fetch(`${s.url}/`)).json());
    assert.ok(index.routes.includes('POST /issuer2/credential-offers'));
    const claim = await fetch(`${s.url}/sandbox/sessions/x/claim`);
    assert.equal(claim.status, 405);
    assert.match(/** @type {any} */ (await claim.json()).message, /curl -X POST/);
  } finally {
    await s.close();
  }
});

test('help topics: exit codes, environment, events; every --help lists the global options and points at them', async () => {
  const codes = await runInProcess(['help', 'exit-codes']);
  assert.equal(codes.code, 0);
  for (const code of ['0', '1', '2', '3', '4', '5', '6', '124', '130', '143']) assert.match(codes.stdout, new RegExp(`^  ${code} +\\S`, 'm'));
  const env = await runInProcess(['--no-color', 'help', 'environment']);
  assert.equal(env.code, 0);
  for (const name of ['ISSUER_EVENTS_BASE_URL', 'ISSUER_EVENTS_TOKEN', 'ISSUER_EVENTS_WEBHOOK_SECRET', 'ISSUER_EVENTS_CONTEXT', 'NO_COLOR', 'HTTPS_PROXY'])
    assert.match(env.stdout, new RegExp(name));
  const events = await runInProcess(['help', 'events']);
  assert.equal(events.code, 0);
  assert.match(events.stdout, /^ {2}\* openid4vc\.issuance\.completed +credential issued$/m);
  assert.match(events.stdout, /^ {4}credential_offer_retrieved +wallet retrieved the offer$/m);
  const unknown = await runInProcess(['help', 'exitcodes']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command or help topic "exitcodes": topics are exit-codes, environment, events/);
  const demo = await runInProcess(['demo', '--help']);
  assert.match(demo.stdout, /Global Options:\n(.*\n)*? {2}--json /);
  assert.match(demo.stdout, /help exit-codes \| help environment \| help events/);
});

test('-v shows each HTTP exchange (curl -v style, credentials masked) for offer create, tail and replay; offer create --dry-run sends nothing', async () => {
  const { loadProfiles, SandboxIssuer } = await import('issuer-events');
  const s = new SandboxIssuer({ host: '127.0.0.1', port: 0, profiles: loadProfiles(), eventNames: 'current', autoClaimMs: 300 });
  await s.start();
  try {
    const dry = await runInProcess(['offer', 'create', '--profile', 'openBadgeCredential', '--base-url', s.url, '--token', 'sekrit-token', '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const [preview] = parseNdjson(dry.stdout);
    assert.deepEqual([preview.kind, preview.method, preview.url, preview.body.profileId], ['offer-request', 'POST', `${s.url}/issuer2/credential-offers`, 'openBadgeCredential']);
    assert.equal(s.store.size, 0, 'the dry run created no session');
    const realDry = await runInProcess(['offer', 'create', '--profile', 'openBadgeCredential', '--base-url', s.url, '--dry-run']);
    assert.match(realDry.stdout, /^POST http:\/\/127\.0\.0\.1:\d+\/issuer2\/credential-offers\ncontent-type: application\/json\n/);
    const created = await runInProcess(['offer', 'create', '--profile', 'openBadgeCredential', '--base-url', s.url, '--token', 'sekrit-token', '-v', '--json']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stderr, new RegExp(`^> POST ${s.url}/issuer2/credential-offers$`, 'm'));
    assert.match(created.stderr, /^> authorization: \[redacted\]$/m);
    assert.match(created.stderr, /^> \{"profileId":"openBadgeCredential"/m);
    assert.match(created.stderr, /^< 201 \(\d+ ms\)$/m);
    assert.match(created.stderr, /^< \{"offerId":/m);
    assert.doesNotMatch(created.stderr, /sekrit-token/);
    const [offer] = parseNdjson(created.stdout);
    assert.equal(offer.kind, 'offer');
    const tail = await runInProcess(['tail', offer.offerId, '--base-url', s.url, '-v', '--until', 'status:SUCCESSFUL', '--timeout', '20s']);
    assert.equal(tail.code, 0, tail.stderr);
    assert.match(tail.stderr, new RegExp(`^> GET ${s.url}/issuer2/sessions/${offer.offerId}/events$`, 'm'));
    assert.match(tail.stderr, /^> last-event-id|^< content-type: text\/event-stream/m);
    assert.match(tail.stderr, new RegExp(`^> GET ${s.url}/issuer2/sessions/${offer.offerId}$`, 'm'), 'the session read is shown too');
    assert.equal(s.store.size, 1);
  } finally {
    await s.close();
  }
});

test('listen --events prints only those types (all are captured); X-GitHub-Event names a GitHub delivery', async () => {
  const { createHmac } = await import('node:crypto');
  const { startListen } = await import('../helpers/cli.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'ie-events-'));
  const save = join(dir, 'hooks.ndjson');
  const l = await startListen([
    '--allow-unsigned',
    '--secret',
    'gh-secret',
    '--events',
    'credential_request_w3c_vc_succeeded,push',
    '--save',
    save,
    '--count',
    '3',
    '--timeout',
    '120s',
  ]);
  for (const type of ['credential_offer_retrieved', 'credential_request_w3c_vc_succeeded']) {
    assert.equal((await runInProcess(['trigger', type, '--to', l.url, '--session', 'ev-1'])).code, 0);
  }
  const body = JSON.stringify({ ref: 'refs/heads/main', commits: [] });
  const signature = `sha256=${createHmac('sha256', 'gh-secret').update(body).digest('hex')}`;
  const gh = await fetch(l.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd-1', 'x-hub-signature-256': signature },
    body,
  });
  assert.equal(gh.status, 200);
  const done = await l.result;
  assert.equal(done.code, 0, done.stderr);
  const printed = done.stdout.trim().split('\n');
  assert.equal(printed.length, 2, done.stdout);
  assert.match(printed[0], /credential_request_w3c_vc_succeeded/);
  assert.match(printed[1], /github {2}✓ verified {2}push {2}.*d-1/);
  const saved = readFileSync(save, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual(
    saved.map((r) => r.type),
    ['credential_offer_retrieved', 'credential_request_w3c_vc_succeeded', 'push'],
  );
});

test('examples/sample-capture.ndjson: verify and replay work on it at once, as the README says', async () => {
  const sample = join(ROOT, 'examples/sample-capture.ndjson');
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const ok = await runInProcess(['verify', '--secret', secret, '--record', `${sample}:6`]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^valid: standard: signature matches secret #1/);
  const igrant = await runInProcess(['verify', '--secret', 'igrant-demo-secret', '--record', `${sample}:8`]);
  assert.equal(igrant.code, 0, igrant.stdout);
  const forged = await runInProcess(['verify', '--secret', secret, '--record', `${sample}:9`]);
  assert.equal(forged.code, 6);
  assert.match(forged.stdout, /no signature matches/);
  const dry = await runInProcess(['replay', sample, '--dry-run', '--json']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(parseNdjson(dry.stdout).length, 9, 'every accepted delivery; the rejected one needs --include-rejected');
  const session = await runInProcess(['replay', sample, '--dry-run', '--filter', 'session=3f1c*']);
  assert.equal(session.stdout.trim().split('\n').length, 5);
});

test("README's CI snippet is what CI runs on its fresh clone: npm ci (whose prepare builds dist/), then the smoke gate", () => {
  const snippet = readmeSnippet('### A smoke test');
  const runs = [...snippet.matchAll(/run: (.+)/g)].map((m) => m[1].trim());
  assert.deepEqual(runs, ['npm ci', 'bash examples/ci-smoke.sh']);
  // Node 24 (the current LTS), as a matrix users widen to every line they support.
  assert.match(snippet, /matrix:\n\s+node: \[24\]/);
  assert.match(snippet, /node-version: "\$\{\{ matrix\.node \}\}"/);
  // The proof is CI's own run, which starts from a fresh clone (no dist/, no node_modules): a
  // suite run would pay a second full install and type-check for it (13 s of CPU on two cores).
  // Here: .ci/run plays the same steps in the same order, with nothing built before npm ci.
  const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const install = ci.findIndex((line) => /^npm ci( |$)/.test(line));
  const gate = ci.indexOf('bash examples/ci-smoke.sh');
  assert.ok(install >= 0 && gate > install, '.ci/run runs npm ci, then bash examples/ci-smoke.sh');
  assert.equal(
    ci.slice(0, install).some((line) => /\bnpm (run|test)\b|\btsc\b/.test(line)),
    false,
    'nothing is built before npm ci',
  );
  // npm ci builds dist/ through the prepare script, which emits what the binary loads.
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.match(scripts.prepare, /^tsc -p tsconfig\.json( |$)/);
  assert.match(readFileSync(join(ROOT, 'bin/issuer-events.js'), 'utf8'), /import\('\.\.\/dist\/cli\.js'\)/);
  assert.equal(JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')).compilerOptions.outDir, 'dist');
});

/** The first YAML block after `heading` in the README's "In CI" section. */
function readmeSnippet(heading) {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## In CI'));
  return /```yaml\n([\s\S]*?)```/.exec(section.slice(section.indexOf(heading)))?.[1] ?? '';
}

test("README's check gate runs as written against a walt.id-style issuer: exit 0, and the JUnit report it uploads", async () => {
  const snippet = readmeSnippet('### The gate');
  const runs = [...snippet.matchAll(/run: (.+)/g)].map((m) => m[1].trim());
  assert.deepEqual(runs, ['npm install -g issuer-events', 'issuer-events check --junit check.xml --timeout 5m --events sse'], 'the test below plays exactly these steps');
  assert.match(snippet, /node-version: 24/);
  assert.match(snippet, /path: check\.xml/);
  // The installed binary is this checkout's (the package itself is smoke-tested by scripts/smoke-installed.mjs in CI).
  // The sandbox is spawned so that check can run in-process in the gate's own directory.
  const sandbox = await startSandboxCli([], { spawn: true });
  try {
    const cwd = mkdtempSync(join(tmpdir(), 'ie-gate-'));
    const args = /** @type {string} */ (runs[1]).split(' ').slice(1);
    const r = await runInProcess(args, { cwd, env: { ISSUER_EVENTS_BASE_URL: sandbox.url }, timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d+ passed, 0 failed, \d+ warned, \d+ skipped/m);
    const xml = readFileSync(join(cwd, 'check.xml'), 'utf8');
    assert.match(xml, /<testsuites [^>]*failures="0"/);
    assert.match(xml, /<testsuite name="oid4vci-1_0-issuer-happy-flow"/);
  } finally {
    await sandbox.stop();
  }
});

test('the sandbox banner shows the OID4VCI, Enterprise and webhook-signing facts; svix signing is accepted', async () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  let banner = '';
  const run = runCli(['sandbox', '--port', '0', '--webhook-scheme', 'svix', '--webhook-secret', secret, '--token', 'ent-token'], {
    onStderr(d, child) {
      banner += d;
      if (banner.includes('webhooks:')) child.kill('SIGTERM');
    },
  });
  const r = await run;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^ {2}oid4vci: http:\/\/127\.0\.0\.1:\d+\/openid4vci \(metadata: .*\/\.well-known\/openid-credential-issuer\/openid4vci\)$/m);
  assert.match(r.stderr, /^ {2}enterprise: POST .*\/v2\/\{org\}\.\{tenant\}\.\{issuerService\}\.\{profileId\}\/issuer-service-api\/credentials\/offers$/m);
  assert.match(r.stderr, /issuance-session\/\{id\}\/events \(Bearer token required\)$/m);
  assert.match(r.stderr, /^ {2}webhooks: signed with svix \(secret whsec_…#[0-9a-f]{6}\)$/m);
  assert.doesNotMatch(r.stderr, /MfKQ9r8G|ent-token/);
});
