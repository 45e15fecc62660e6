import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { ROOT, cleanEnv, parseNdjson, runCli } from '../helpers/cli.mjs';
import { elements, parseXml } from '../helpers/xml.mjs';

// The action's steps, run as GitHub's runner runs them: each `run:` with `bash --noprofile --norc
// -eo pipefail`, its `env:` expanded, and GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE and
// RUNNER_TEMP pointing at files and directories the test then reads. `uses:` steps (setup-node,
// upload-artifact) are GitHub's own and are checked for what they are given.

// js-yaml comes with cosmiconfig; the action file is YAML.
const yaml = createRequire(import.meta.url)('js-yaml');
const ACTION_TEXT = readFileSync(join(ROOT, 'action.yml'), 'utf8');
const ACTION = yaml.load(ACTION_TEXT);
const STEPS = ACTION.runs.steps;
const step = (id) => STEPS.find((s) => s.id === id);
/** A GitHub expression as action.yml spells it. */
const gh = (expr) => `\${{ ${expr} }}`;
const TOKEN = 'ent-token-7Qx9-never-shown';
// As the runner gives it: no trailing separator.
const ACTION_PATH = ROOT.replace(/[\\/]$/, '');

/** @type {{ url: string, result: import('../helpers/cli.mjs').CliRun }} */
let sandbox;
before(async () => {
  let ready;
  const url = new Promise((resolve) => (ready = resolve));
  let err = '';
  const result = runCli(['sandbox', '--port', '0', '--token', TOKEN], {
    timeoutMs: 180_000,
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

/** `${{ … }}` as the runner expands it, for the contexts the action uses; anything else fails the test. */
function expand(text, ctx) {
  return String(text).replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expr) => {
    let m;
    if ((m = /^inputs\.([\w-]+)$/.exec(expr))) {
      assert.ok(m[1] in ACTION.inputs, `unknown input ${m[1]}`);
      return ctx.inputs[m[1]] ?? ACTION.inputs[m[1]].default ?? '';
    }
    if (expr === 'github.action_path') return ACTION_PATH;
    if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr))) return ctx.steps[m[1]]?.outputs[m[2]] ?? '';
    if (expr === 'strategy.job-index') return '0';
    if (expr === 'strategy.job-total') return '1';
    throw new Error(`an expression this test does not evaluate: ${expr}`);
  });
}

/** GITHUB_OUTPUT's two forms: name=value, and name<<delimiter … delimiter. */
function parseOutputs(text) {
  const outputs = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([\w-]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      assert.ok(end > i, `unterminated ${heredoc[1]}`);
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (lines[i]) {
      const eq = lines[i].indexOf('=');
      outputs[lines[i].slice(0, eq)] = lines[i].slice(eq + 1);
    }
  }
  return outputs;
}

/**
 * Runs the action's `run:` steps in order with these inputs; `npm` is a stand-in that logs its
 * arguments (the install step must not reach a registry here).
 * @param {Record<string, string>} inputs
 */
async function runAction(inputs, { only } = /** @type {{ only?: string[] }} */ ({})) {
  const dir = mkdtempSync(join(tmpdir(), 'ie-action-'));
  const [temp, workspace, fakeBin, npmRoot] = ['runner-temp', 'workspace', 'fake-bin', 'npm-root'].map((d) => join(dir, d));
  for (const d of [temp, workspace, fakeBin, npmRoot]) mkdirSync(d);
  writeFileSync(join(fakeBin, 'npm'), '#!/usr/bin/env bash\nprintf \'%s|%s\\n\' "$PWD" "$*" >> "$FAKE_NPM_LOG"\nif [ "$1" = root ]; then echo "$FAKE_NPM_ROOT"; fi\n');
  chmodSync(join(fakeBin, 'npm'), 0o755);
  // What `npm install -g issuer-events@…` leaves in the global root: this checkout.
  symlinkSync(ROOT, join(npmRoot, 'issuer-events'));
  const npmLog = join(dir, 'npm.log');
  const ctx = { inputs, steps: {} };
  for (const [i, s] of STEPS.entries()) {
    if (!s.run || (only && !only.includes(s.id))) continue;
    const files = { output: join(dir, `output-${i}`), summary: join(dir, `summary-${i}`) };
    for (const f of Object.values(files)) writeFileSync(f, '');
    const script = join(dir, `step-${i}.sh`);
    writeFileSync(script, expand(s.run, ctx));
    const env = cleanEnv({
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_JOB: 'smoke',
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_WORKSPACE: workspace,
      RUNNER_TEMP: temp,
      PATH: [fakeBin, dirname(process.execPath), process.env.PATH].join(delimiter),
      FAKE_NPM_LOG: npmLog,
      FAKE_NPM_ROOT: npmRoot,
      ...Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, expand(v, ctx)])),
    });
    const result = await new Promise((resolve) => {
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: workspace, env });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    ctx.steps[s.id] = { ...result, outputs: parseOutputs(readFileSync(files.output, 'utf8')), summary: readFileSync(files.summary, 'utf8') };
  }
  const npm = existsSync(npmLog) ? readFileSync(npmLog, 'utf8').trim().split('\n') : [];
  const outputs = Object.fromEntries(Object.entries(ACTION.outputs).map(([name, o]) => [name, expand(o.value, ctx)]));
  return { steps: ctx.steps, outputs, npm, temp, npmRoot, ctx };
}

test('action.yml: a composite action; inputs reach scripts as environment variables only; the token goes nowhere else', () => {
  assert.equal(ACTION.runs.using, 'composite');
  const defaults = Object.fromEntries(Object.entries(ACTION.inputs).map(([k, v]) => [k, v.default]));
  assert.deepEqual(defaults, {
    'base-url': '',
    target: '',
    token: '',
    context: '',
    command: 'smoke',
    profile: 'openBadgeCredential',
    'tx-code': '',
    timeout: '60s',
    args: '',
    'fail-on-error': 'true',
    upload: 'true',
    'artifact-name': '',
    'node-version': '24',
    version: '',
  });
  assert.deepEqual(ACTION.outputs, {
    'exit-code': { description: ACTION.outputs['exit-code'].description, value: gh('steps.run.outputs.exit-code') },
    report: { description: ACTION.outputs.report.description, value: gh('steps.run.outputs.report') },
    capture: { description: ACTION.outputs.capture.description, value: gh('steps.run.outputs.capture') },
  });
  assert.deepEqual(STEPS[0], { name: 'Set up Node.js', if: "inputs.node-version != ''", uses: 'actions/setup-node@v6', with: { 'node-version': gh('inputs.node-version') } });
  for (const s of STEPS.filter((x) => x.run)) {
    assert.equal(s.shell, 'bash', s.name);
    // A ${{ }} in a script is spliced in before bash parses it: script injection from an input.
    assert.doesNotMatch(s.run, /\$\{\{/, `${s.name}: expressions belong in env:, not in the script`);
    const script = /"\$ACTION_PATH\/(action\/[\w.-]+)"/.exec(s.run)?.[1];
    assert.ok(script && existsSync(join(ROOT, script)), `${s.name} runs a script checked into the repository: ${s.run}`);
  }
  for (const name of Object.keys(ACTION.inputs)) assert.match(ACTION_TEXT, new RegExp(`\\$\\{\\{ inputs\\.${name} \\}\\}|inputs\\.${name} [!=]=`), `input ${name} is used`);
  assert.equal(ACTION_TEXT.match(/inputs\.token\b/g)?.length, 1);
  assert.equal(step('run').env.INPUT_TOKEN, gh('inputs.token'));
});

test('install step: builds the action checkout (npm ci, npm run build), or installs a registry version; outputs the entry script', async () => {
  let r = await runAction({}, { only: ['install'] });
  assert.equal(r.steps.install.code, 0, r.steps.install.stderr);
  assert.deepEqual(r.npm, [`${ACTION_PATH}|ci --ignore-scripts --no-audit --no-fund`, `${ACTION_PATH}|run build`]);
  assert.equal(r.steps.install.outputs.bin, join(ROOT, 'bin', 'issuer-events.js'));
  assert.match(r.steps.install.stdout, /^issuer-events \d+\.\d+\.\d+ at /m, 'the installed CLI runs');

  r = await runAction({ version: '1.2.3' }, { only: ['install'] });
  assert.equal(r.steps.install.code, 0, r.steps.install.stderr);
  assert.deepEqual(
    r.npm.map((l) => l.split('|')[1]),
    ['install -g --no-audit --no-fund issuer-events@1.2.3', 'root -g'],
  );
  assert.equal(r.steps.install.outputs.bin, join(r.npmRoot, 'issuer-events', 'bin', 'issuer-events.js'));
});

test('smoke test, walt.id Enterprise, two profiles: exit-code 0, one JUnit report, the capture, a summary table; the token nowhere', async () => {
  const r = await runAction({ 'base-url': sandbox.url, target: 'acme.main.issuer', token: TOKEN, profile: 'openBadgeCredential,\nisoMdl', timeout: '30s' });
  const run = r.steps.run;
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(r.outputs['exit-code'], '0');
  assert.equal(run.outputs['artifact-name'], 'issuer-events-smoke');
  assert.ok(r.outputs.report.startsWith(r.temp) && r.outputs.capture.startsWith(r.temp), 'files under RUNNER_TEMP');
  assert.deepEqual(readdirSync(dirname(r.outputs.report)).sort(), ['capture.ndjson', 'junit.xml'], "the profiles' reports merged into one");

  const junit = readFileSync(r.outputs.report, 'utf8');
  const root = parseXml(junit);
  assert.deepEqual(
    elements(root, 'testsuite').map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures]),
    [['issuer-events-issuance', '22', '0']],
  );
  const names = elements(root, 'testcase').map((c) => c.attrs.name);
  assert.ok(names.includes('openBadgeCredential: session outcome') && names.includes('isoMdl: session outcome'), names.join('\n'));

  const events = parseNdjson(readFileSync(r.outputs.capture, 'utf8'));
  assert.equal(events.length, 6);
  assert.equal(new Set(events.map((e) => e.sessionId)).size, 2);
  assert.equal(events.filter((e) => e.terminal && e.status === 'SUCCESSFUL').length, 2);

  const headings = run.summary.match(/^### .*$/gm);
  assert.deepEqual(headings, ['### ✅ issuer-events offer create --claim: passed', '### ✅ issuer-events offer create --claim: passed']);
  assert.match(run.summary, /^Issuer acme\.main\.issuer at http:\/\/127\.0\.0\.1:\d+ · 11 passed, 0 failed, 0 warned, 0 skipped/m);
  for (const check of ['create offer', 'claim token', 'claim credential', 'session outcome']) {
    assert.match(run.summary, new RegExp(`^\\| ✅ pass \\| ${check} \\| isoMdl \\|`, 'm'));
  }

  // The upload step is given exactly the files the run step wrote.
  const upload = STEPS.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
  assert.equal(upload.uses, 'actions/upload-artifact@v7');
  assert.equal(upload.if, gh("!cancelled() && inputs.upload == 'true' && steps.run.outputs.report != ''"));
  assert.deepEqual(expand(upload.with.path, r.ctx).trim().split('\n'), [r.outputs.report, r.outputs.capture]);
  assert.equal(expand(upload.with.name, r.ctx), 'issuer-events-smoke');
  assert.equal(upload.with['if-no-files-found'], 'warn');

  const everything = [junit, readFileSync(r.outputs.capture, 'utf8'), ...Object.values(r.steps).flatMap((s) => [s.stdout, s.stderr, s.summary, JSON.stringify(s.outputs)])];
  for (const text of everything) assert.ok(!text.includes(TOKEN), 'the token is in no output, file or log');
});

test('a refused tx code: exit-code 3, the summary and the report say so, and the step fails (fail-on-error defaults to true)', async () => {
  const inputs = { 'base-url': sandbox.url, profile: 'openBadgeCredential', 'tx-code': '123456', args: '--claim-tx-code\n000000\n', timeout: '30s' };
  const r = await runAction(inputs);
  const run = r.steps.run;
  assert.equal(run.code, 3, run.stdout + run.stderr);
  assert.equal(r.outputs['exit-code'], '3');
  assert.match(run.stdout, /^::error title=issuer-events smoke test::issuance failed \(exit 3\)/m);
  assert.match(run.stderr, /^error: token: the issuer refused: invalid_grant \(tx_code is invalid\)$/m);
  assert.match(run.summary, /^### ❌ issuer-events offer create --claim: failed \(exit 3\)$/m);
  assert.match(run.summary, /^\| ❌ fail \| claim token \| openBadgeCredential \| \d+ms \| token: the issuer refused: invalid\\_grant \(tx\\_code is invalid\) \|$/m);
  const suite = elements(parseXml(readFileSync(r.outputs.report, 'utf8')), 'testsuite')[0];
  assert.equal(suite.attrs.failures, '2');
  assert.ok(existsSync(r.outputs.capture));
});

test('bad inputs: one annotation and exit 2; a run stopped before its report says so in the summary; fail-on-error: false keeps the step green', async () => {
  let r = await runAction({ profile: ' , ' });
  assert.equal(r.steps.run.code, 2);
  assert.equal(r.steps.run.stdout, '::error title=issuer-events smoke test::input "profile" is empty: name at least one credential profile, e.g. openBadgeCredential\n');

  // fail-on-error: false keeps the step green and leaves the verdict to the outputs.
  r = await runAction({ 'base-url': sandbox.url, timeout: 'soon', 'fail-on-error': 'false' });
  assert.equal(r.steps.run.code, 0);
  assert.equal(r.outputs['exit-code'], '2');
  assert.match(r.steps.run.stderr, /^error: invalid --timeout "soon"/m);
  assert.match(r.steps.run.stdout, /^::notice title=issuer-events smoke test::issuance failed \(exit 2\)/m);
  assert.match(r.steps.run.summary, /^### ❌ issuer-events offer create --claim: failed \(exit 2\)\n\nopenBadgeCredential: no report was written; the step's log says why\.$/m);
});

test('command: check — one check run against the issuer: its exit code, a JUnit testsuite per module, the job summary; no capture', async () => {
  const modules = 'oid4vci-1_0-issuer-happy-flow,issuer-events-events';
  const r = await runAction({ command: 'check', 'base-url': sandbox.url, profile: 'isoMdl', 'tx-code': 'true', args: `--only\n${modules}\n`, timeout: '2m' });
  const run = r.steps.run;
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(r.outputs['exit-code'], '0');
  assert.equal(r.outputs.capture, '');
  const suites = elements(parseXml(readFileSync(r.outputs.report, 'utf8')), 'testsuite');
  assert.deepEqual(
    suites.map((s) => [s.attrs.name, s.attrs.failures]),
    modules.split(',').map((m) => [m, '0']),
  );
  assert.match(run.summary, /^### ✅ issuer-events check: passed$/m);
  assert.match(run.summary, /^#### oid4vci-1\\_0-issuer-happy-flow$/m);

  const bad = await runAction({ command: 'conformance', 'base-url': sandbox.url });
  assert.equal(bad.steps.run.code, 2);
  assert.match(bad.steps.run.stdout, /input "command" is "conformance": use smoke or check/);
});
