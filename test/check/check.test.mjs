import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseNdjson, runCli } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { refusedPort } from '../helpers/http.mjs';
import { startSandboxCli } from '../helpers/sandbox.mjs';
import { parseXml } from '../helpers/xml.mjs';

const dir = mkdtempSync(join(tmpdir(), 'ie-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const MODULES = [
  'oid4vci-1_0-issuer-metadata-test',
  'oid4vci-1_0-issuer-happy-flow',
  'oid4vci-1_0-issuer-happy-flow-skip-notification',
  'oid4vci-1_0-issuer-batch-issuance',
  'oid4vci-1_0-issuer-fail-invalid-nonce',
  'oid4vci-1_0-issuer-fail-invalid-jwt-proof-signature',
  'oid4vci-1_0-issuer-fail-missing-proof',
  'oid4vci-1_0-issuer-fail-unknown-credential-configuration',
  'oid4vci-1_0-issuer-fail-on-access-token-in-query',
  'issuer-events-fail-invalid-tx-code',
  'issuer-events-fail-missing-tx-code',
  'issuer-events-fail-reused-pre-authorized-code',
  'issuer-events-events',
  'issuer-events-notification',
];
const PROFILES = ['openBadgeCredential', 'universityDegree', 'identityCredentialSdJwt', 'isoMdl'];

const KEYS = ['kind', 'module', 'check', 'profile', 'status', 'ms', 'detail', 'spec'];

/** @type {{ code: number | null, stdout: string, stderr: string, records: any[], junit: string, summary: string }} */
let sandboxRun;

before(async () => {
  const junit = join(dir, 'check.xml');
  const summary = join(dir, 'summary.md');
  const r = await runInProcess(['check', '--sandbox', '--json', '--junit', junit], { env: { GITHUB_STEP_SUMMARY: summary }, timeoutMs: 90_000 });
  sandboxRun = { ...r, records: parseNdjson(r.stdout), junit: readFileSync(junit, 'utf8'), summary: readFileSync(summary, 'utf8') };
});

test('check --sandbox --json: only check records, every key present, then one check-summary that counts them', () => {
  const { records } = sandboxRun;
  const checks = records.slice(0, -1);
  const summary = records.at(-1);
  assert.ok(checks.length > 100, `${checks.length} checks`);
  for (const record of checks) {
    assert.deepEqual(Object.keys(record), KEYS, JSON.stringify(record));
    assert.equal(record.kind, 'check');
    assert.ok(['pass', 'fail', 'warn', 'skip'].includes(record.status));
    assert.ok(Number.isInteger(record.ms) && record.ms >= 0);
    assert.ok(record.detail === null || typeof record.detail === 'string');
    assert.ok(record.spec === null || typeof record.spec === 'string');
    assert.ok(record.profile === null || PROFILES.includes(record.profile), record.profile);
  }
  assert.deepEqual(Object.keys(summary), ['kind', 'passed', 'failed', 'warned', 'skipped', 'ms', 'latency']);
  assert.equal(summary.kind, 'check-summary');
  const count = (status) => checks.filter((r) => r.status === status).length;
  assert.deepEqual([summary.passed, summary.failed, summary.warned, summary.skipped], [count('pass'), count('fail'), count('warn'), count('skip')]);
  for (const channel of ['sse', 'webhook']) {
    assert.ok(Number.isInteger(summary.latency[channel].p50) && summary.latency[channel].max >= summary.latency[channel].p50, JSON.stringify(summary.latency));
  }
});

test('check --sandbox: every module runs, in the table order, for every profile; no fail, exit 0', () => {
  const checks = sandboxRun.records.slice(0, -1);
  const order = [...new Set(checks.map((r) => r.module))];
  assert.deepEqual(order, MODULES, 'grouped by module, in the module table order');
  for (const module of MODULES.slice(1)) {
    assert.deepEqual([...new Set(checks.filter((r) => r.module === module).map((r) => r.profile))], PROFILES, `${module}: every profile, in order`);
  }
  const failing = new Set(checks.filter((r) => r.status === 'fail').map((r) => r.module));
  // The sandbox follows OID4VCI 1.0 where the suite and our modules look: no fail, exit 0.
  assert.deepEqual([...failing], [], JSON.stringify(checks.filter((r) => r.status === 'fail')));
  assert.equal(sandboxRun.code, 0);
  // What the run proves beyond "no fail": credentials were issued and verified, and both channels told it.
  for (const profile of PROFILES) {
    const happy = checks.filter((r) => r.module === 'oid4vci-1_0-issuer-happy-flow' && r.profile === profile);
    for (const check of ['credential response', 'issuer signature', 'holder binding', 'credential type']) {
      assert.equal(happy.find((r) => r.check === check)?.status, 'pass', `${profile} ${check}`);
    }
    for (const channel of ['sse', 'webhook']) {
      const events = checks.find((r) => r.module === 'issuer-events-events' && r.profile === profile && r.check === `happy flow: ${channel}`);
      assert.equal(events?.status, 'pass', JSON.stringify(events));
      assert.match(events.detail, /credential_offer_retrieved → token_request_pre_authorized_code_succeeded → credential_request_\w+_succeeded/);
    }
  }
  // Tokens and credentials the issuer handed out are never printed (a JWT starts eyJhbGci…).
  assert.doesNotMatch(sandboxRun.stdout, /eyJhbGci|access_token":/);
  // Plain http on a loopback issuer is a warning, not a failure.
  assert.equal(checks.find((r) => r.check === 'credential_issuer')?.status, 'warn');
});

test('check --junit: a testsuite per module whose counts equal the JSON records, parsed back by fast-xml-parser', () => {
  const checks = sandboxRun.records.slice(0, -1);
  const root = parseXml(sandboxRun.junit);
  assert.equal(root.tag, 'testsuites');
  assert.equal(Number(root.attrs.tests), checks.length);
  assert.equal(Number(root.attrs.failures), checks.filter((r) => r.status === 'fail').length);
  assert.equal(Number(root.attrs.skipped), checks.filter((r) => r.status === 'skip').length);
  assert.deepEqual(
    root.children.map((s) => s.attrs.name),
    MODULES,
  );
  for (const suite of root.children) {
    const mine = checks.filter((r) => r.module === suite.attrs.name);
    assert.equal(Number(suite.attrs.tests), mine.length, suite.attrs.name);
    assert.equal(suite.children.length, mine.length);
    assert.equal(Number(suite.attrs.failures), mine.filter((r) => r.status === 'fail').length);
    assert.equal(suite.children.filter((c) => c.children.some((e) => e.tag === 'failure')).length, mine.filter((r) => r.status === 'fail').length);
    assert.equal(suite.children.filter((c) => c.children.some((e) => e.tag === 'skipped')).length, mine.filter((r) => r.status === 'skip').length);
  }
  // The job summary (GITHUB_STEP_SUMMARY) ends its heading with the verdict and carries the tally.
  assert.match(sandboxRun.summary, /issuer-events check: failed \(exit 1\)|issuer-events check: passed/);
  assert.match(sandboxRun.summary, /\d+ passed, \d+ failed, \d+ warned, \d+ skipped/);
});

test('pretty output: grouped by module, one line per check with its mark, the last line is the tally', async () => {
  const r = await runInProcess(
    ['check', '--sandbox', '--profile', 'openBadgeCredential', '--only', 'oid4vci-1_0-issuer-metadata-test,oid4vci-1_0-issuer-fail-missing-proof', '--events', 'none'],
    {
      env: { NO_COLOR: '1' },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'oid4vci-1_0-issuer-metadata-test');
  assert.ok(lines.includes('oid4vci-1_0-issuer-fail-missing-proof'));
  assert.match(lines.find((l) => l.includes('request refused')) ?? '', /^ {2}✓ openBadgeCredential: request refused +\d+ms {2}HTTP 400 invalid_proof/);
  assert.match(lines.find((l) => l.includes('credential_issuer')) ?? '', /^ {2}! credential_issuer .*plain http.*\[OID4VCI 1\.0 §12\.2\.1, §12\.2\.3\]$/);
  assert.match(lines.at(-1), /^\d+ passed, 0 failed, \d+ warned, \d+ skipped \(\d+\.\d s\)$/);
  assert.match(r.stderr, /Checking embedded sandbox at http:\/\/127\.0\.0\.1:\d+: 1 profile \(openBadgeCredential\)/);
});

test('--only runs only the named modules; --skip leaves modules out', async () => {
  const only = await runInProcess([
    'check',
    '--sandbox',
    '--json',
    '--profile',
    'isoMdl',
    '--only',
    'oid4vci-1_0-issuer-happy-flow,issuer-events-fail-invalid-tx-code',
    '--events',
    'none',
  ]);
  assert.equal(only.code, 0, only.stderr);
  const modules = new Set(
    parseNdjson(only.stdout)
      .slice(0, -1)
      .map((r) => r.module),
  );
  assert.deepEqual([...modules], ['oid4vci-1_0-issuer-happy-flow', 'issuer-events-fail-invalid-tx-code']);
  const skipped = await runInProcess([
    'check',
    '--sandbox',
    '--json',
    '--profile',
    'isoMdl',
    '--events',
    'none',
    '--skip',
    MODULES.filter((m) => m !== 'oid4vci-1_0-issuer-fail-missing-proof').join(','),
  ]);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.deepEqual(
    [
      ...new Set(
        parseNdjson(skipped.stdout)
          .slice(0, -1)
          .map((r) => r.module),
      ),
    ],
    ['oid4vci-1_0-issuer-fail-missing-proof'],
  );
});

test('unknown module names in --only/--skip exit 2 naming them, before anything is sent', async () => {
  const r = await runInProcess(['check', '--sandbox', '--only', 'oid4vci-1_0-issuer-happy-flow,happy-flow', '--skip', 'nope']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /unknown module happy-flow, nope in --only\/--skip/);
  assert.match(r.stderr, /oid4vci-1_0-issuer-metadata-test/, 'the valid names are listed');
  const none = await runInProcess(['check', '--sandbox', '--skip', MODULES.join(',')]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /leave no module to run/);
});

test('usage errors exit 2: --events, --sandbox with an issuer, --offer-command with --base-url', async () => {
  const events = await runInProcess(['check', '--sandbox', '--events', 'sse,carrier-pigeon']);
  assert.equal(events.code, 2);
  assert.match(events.stderr, /invalid --events "sse,carrier-pigeon"/);
  const both = await runInProcess(['check', '--sandbox', '--base-url', 'http://127.0.0.1:7005']);
  assert.equal(both.code, 2);
  const command = await runInProcess(['check', '--offer-command', 'true', '--base-url', 'http://127.0.0.1:7005']);
  assert.equal(command.code, 2);
  assert.match(command.stderr, /--offer-command replaces the management API/);
});

test('--timeout: exit 124 with the report of the checks done so far', async () => {
  const r = await runInProcess(['check', '--sandbox', '--json', '--timeout', '1ms']);
  assert.equal(r.code, 124, r.stderr);
  assert.match(r.stderr, /did not finish within 1ms \(--timeout\)/);
  const records = parseNdjson(r.stdout);
  assert.equal(records.at(-1).kind, 'check-summary');
});

test('an unknown profile exits 5; an unreachable issuer exits 1 naming it', async () => {
  const unknown = await runInProcess(['check', '--sandbox', '--profile', 'openBadgeCredential', '--profile', 'noSuchProfile']);
  assert.equal(unknown.code, 5, unknown.stderr);
  assert.match(unknown.stderr, /unknown profile noSuchProfile: the issuer has openBadgeCredential, /);
  const port = await refusedPort();
  const down = await runInProcess(['check', '--base-url', `http://127.0.0.1:${port}`]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, new RegExp(`could not be reached: could not reach http://127\\.0\\.0\\.1:${port}/issuer2/profiles: connection refused`));
});

test('against `sandbox --port 0` in its own process: the same modules pass as with --sandbox, on both channels', async () => {
  const sandbox = await startSandboxCli();
  try {
    const r = await runInProcess(['check', '--base-url', sandbox.url, '--json'], { timeoutMs: 90_000 });
    const checks = parseNdjson(r.stdout).slice(0, -1);
    const failing = new Set(checks.filter((c) => c.status === 'fail').map((c) => c.module));
    assert.deepEqual([...failing], [], r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...new Set(checks.filter((c) => c.module === 'issuer-events-events').map((c) => c.profile))], PROFILES);
    assert.ok(checks.filter((c) => c.module === 'issuer-events-events').every((c) => c.status === 'pass'));
  } finally {
    await sandbox.stop();
  }
});

test('the management API refusing the credentials exits 4 (walt.id Enterprise with a wrong token)', async () => {
  const sandbox = await startSandboxCli(['--token', 'right-token']);
  try {
    const r = await runInProcess(['check', '--base-url', sandbox.url, '--target', 'org.tenant.issuer', '--token', 'wrong-token', '--profile', 'isoMdl']);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /the management API refused the credentials/);
    assert.doesNotMatch(r.stderr, /wrong-token/, 'the token is never printed');
    const none = await runInProcess(['check', '--base-url', sandbox.url, '--target', 'org.tenant.issuer', '--token', 'right-token']);
    assert.equal(none.code, 2, 'Enterprise lists no profiles: --profile is required');
  } finally {
    await sandbox.stop();
  }
});

test('-v shows every exchange with tokens and codes masked, the access token in the query too', async () => {
  const r = await runInProcess(['check', '--sandbox', '-v', '--profile', 'isoMdl', '--only', 'oid4vci-1_0-issuer-fail-on-access-token-in-query', '--events', 'none']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /POST http:\/\/127\.0\.0\.1:\d+\/openid4vci\/credential\?access_token=\[masked\] → 401/);
  assert.match(r.stderr, /"access_token":"\[masked\]"/);
  assert.doesNotMatch(r.stderr, /eyJhbGci/, 'no token in full');
});

test('--timeout also stops a run whose issuer stops answering: exit 124 in about that time', async () => {
  const { listen } = await import('../helpers/http.mjs');
  // The profile list answers; everything after it hangs (an issuer that stalled mid-deploy).
  const issuer = await listen((req, res) => {
    if (req.url === '/issuer2/profiles') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ profileId: 'p1' }]));
    }
  });
  try {
    const r = await runInProcess(['check', '--base-url', issuer.url, '--timeout', '1500ms', '--events', 'none', '--json'], { timed: true });
    assert.equal(r.code, 124, r.stderr);
    // Time not spent waiting for a CPU: the bound holds on a busy machine too.
    assert.ok(r.activeMs < 10_000, `${r.activeMs} ms`);
    assert.equal(parseNdjson(r.stdout).at(-1).kind, 'check-summary');
  } finally {
    await issuer.close();
  }
});

test('SIGINT stops a run: exit 130 with the report of the checks done so far', async () => {
  let sent = false;
  const r = await runCli(['check', '--sandbox', '--json'], {
    onStderr(d, child) {
      // Once the run has started, interrupt it.
      if (!sent && d.includes('Checking')) {
        sent = true;
        child.kill('SIGINT');
      }
    },
  });
  assert.equal(r.code, 130, r.stderr);
  assert.equal(parseNdjson(r.stdout).at(-1).kind, 'check-summary');
});
