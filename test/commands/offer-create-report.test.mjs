import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { refusedPort } from '../helpers/http.mjs';
import { elements, parseXml } from '../helpers/xml.mjs';

/** @type {{ url: string, result: import('../helpers/cli.mjs').CliRun }} */
let sandbox;
before(async () => {
  let ready;
  const url = new Promise((resolve) => (ready = resolve));
  let err = '';
  const result = runCli(['sandbox', '--port', '0'], {
    timeoutMs: 120_000,
    onStderr(d) {
      err += d;
      const m = /Ready! Sandbox issuer on (\S+)/.exec(err);
      if (m) ready(m[1]);
    },
  });
  sandbox = { url: await url, result };
});
after(async () => {
  sandbox.result.child.kill('SIGTERM');
  await sandbox.result;
});

function files() {
  const dir = mkdtempSync(join(tmpdir(), 'ie-junit-'));
  return { dir, junit: join(dir, 'report.xml'), summary: join(dir, 'summary.md') };
}

const claim = (args, summary) =>
  runInProcess(['offer', 'create', '--base-url', sandbox.url, '--claim', '--timeout', '30s', ...args], { env: summary ? { GITHUB_STEP_SUMMARY: summary } : {}, timeoutMs: 60_000 });

/** testcase name → its status as the report says it. */
function outcomes(xml) {
  const root = parseXml(xml);
  return Object.fromEntries(
    elements(root, 'testcase').map((c) => [
      c.attrs.name,
      elements(c, 'failure')[0] ? `fail: ${elements(c, 'failure')[0].attrs.message}` : elements(c, 'skipped')[0] ? `skip: ${elements(c, 'skipped')[0].attrs.message}` : 'pass',
    ]),
  );
}

test('--claim --junit: a testcase per claim step, the credential and the session outcome; the job summary when GITHUB_STEP_SUMMARY is set', async () => {
  const f = files();
  const r = await claim(['--profile', 'identityCredentialSdJwt', '--junit', f.junit], f.summary);
  assert.equal(r.code, 0, r.stderr);
  const xml = readFileSync(f.junit, 'utf8');
  const root = parseXml(xml);
  assert.deepEqual(
    elements(root, 'testsuite').map((s) => [s.attrs.name, s.attrs.failures, s.attrs.skipped]),
    [['issuer-events-issuance', '0', '0']],
  );
  const p = 'identityCredentialSdJwt';
  assert.deepEqual(outcomes(xml), {
    [`${p}: create offer`]: 'pass',
    [`${p}: claim offer`]: 'pass',
    [`${p}: claim issuer-metadata`]: 'pass',
    [`${p}: claim authorization-server-metadata`]: 'pass',
    [`${p}: claim token`]: 'pass',
    [`${p}: claim nonce`]: 'pass',
    [`${p}: claim proof`]: 'pass',
    [`${p}: claim credential`]: 'pass',
    [`${p}: claim decode`]: 'pass',
    [`${p}: credential identity_credential`]: 'pass',
    [`${p}: session outcome`]: 'pass',
  });
  const session = elements(root, 'testcase').find((c) => c.attrs.name.endsWith('session outcome'));
  assert.match(elements(session, 'system-out')[0].text, /^SUCCESSFUL \(credential_request_sd_jwt_vc_succeeded\) after 3 events$/);
  const md = readFileSync(f.summary, 'utf8');
  assert.match(md, /^### ✅ issuer-events offer create --claim: passed\n\nIssuer http:\/\/127\.0\.0\.1:\d+ · 11 passed, 0 failed, 0 warned, 0 skipped \(\d+\.\d s\)\n/);
  assert.match(md, /^\| ✅ pass \| claim token \| identityCredentialSdJwt \| \d+ms \| {2}\|$/m);
  assert.match(md, /^\| ✅ pass \| session outcome \| identityCredentialSdJwt \| .* \| SUCCESSFUL \(credential\\_request\\_sd\\_jwt\\_vc\\_succeeded\) after 3 events \|$/m);
});

test('--claim --junit: a refused tx code fails the token step and the session; the steps after it are skipped; exit 3 as before', async () => {
  const f = files();
  const r = await claim(['--profile', 'openBadgeCredential', '--tx-code', '123456', '--claim-tx-code', '654321', '--junit', f.junit], f.summary);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^error: token: the issuer refused: invalid_grant \(tx_code is invalid\)$/m);
  const got = outcomes(readFileSync(f.junit, 'utf8'));
  const p = 'openBadgeCredential';
  assert.equal(got[`${p}: create offer`], 'pass');
  assert.equal(got[`${p}: claim token`], 'fail: token: the issuer refused: invalid_grant (tx_code is invalid)');
  for (const step of ['proof', 'credential', 'decode']) assert.equal(got[`${p}: claim ${step}`], 'skip: not reached: token failed');
  assert.match(got[`${p}: session outcome`], /^fail: the session never reached a terminal status after 2 events; last event token_request_pre_authorized_code_failed \(ACTIVE\)$/);
  const md = readFileSync(f.summary, 'utf8');
  assert.match(md, /^### ❌ issuer-events offer create --claim: failed \(exit 3\)$/m);
  assert.match(md, /^\| ❌ fail \| claim token \| openBadgeCredential \| \d+ms \| token: the issuer refused: invalid\\_grant \(tx\\_code is invalid\) \|$/m);
  assert.doesNotMatch(readFileSync(f.junit, 'utf8') + md, /654321|123456/, 'the tx codes are in no report');
});

test('--claim --junit: an unknown profile fails "create offer"; everything after it is skipped; exit 5', async () => {
  const f = files();
  const r = await claim(['--profile', 'noSuchProfile', '--junit', f.junit]);
  assert.equal(r.code, 5, r.stderr);
  const got = outcomes(readFileSync(f.junit, 'utf8'));
  assert.match(got['noSuchProfile: create offer'], /^fail: .*noSuchProfile/);
  assert.equal(got['noSuchProfile: claim token'], 'skip: not reached');
  assert.equal(got['noSuchProfile: session outcome'], 'skip: not reached: no offer was created');
  // In a GitHub Actions step, the summary comes without asking.
  const again = await claim(['--profile', 'noSuchProfile'], f.summary);
  assert.equal(again.code, 5, again.stderr);
  assert.match(readFileSync(f.summary, 'utf8'), /^### ❌ issuer-events offer create --claim: failed \(exit 5\)\n[\s\S]*\| ❌ fail \| create offer \| noSuchProfile \|/);
});

test('--junit: refused before anything is sent when it cannot be written or has no --claim (exit 2, one line)', async () => {
  const f = files();
  const base = `http://127.0.0.1:${await refusedPort()}`;
  /** @type {[string[], RegExp][]} */
  const cases = [
    [['--junit', f.junit], /^error: --junit needs --claim: the report is of the issuance smoke test\n$/],
    [['--claim', '--junit', join(f.dir, 'missing', 'r.xml')], /^error: invalid --junit .*missing\/r\.xml: the directory .*missing does not exist\n$/],
    [['--claim', '--junit', f.dir], /^error: invalid --junit .*: it is a directory; name a file\n$/],
    [['--claim', '--junit', ''], /^error: invalid --junit "": name the file to write\n$/],
  ];
  for (const [args, message] of cases) {
    const r = await runInProcess(['offer', 'create', '--base-url', base, '--profile', 'p', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(existsSync(f.junit), false);
});
