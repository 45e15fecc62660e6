// The action's smoke-test step (action.yml): `issuer-events offer create --claim` once per profile
// (or, with `command: check`, one `issuer-events check` run)
// against the issuer the inputs name, with a JUnit report and a capture of the events in a fresh
// directory under RUNNER_TEMP. Writes the outputs `report`, `capture`, `artifact-name` and
// `exit-code` to GITHUB_OUTPUT; the CLI itself appends the job summary to GITHUB_STEP_SUMMARY.
// Inputs arrive as INPUT_* environment variables (never spliced into a shell line); the token
// reaches the CLI as ISSUER_EVENTS_TOKEN only, never as an argument.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const env = process.env;

/** A problem with the action's inputs or set-up: one annotation, exit 2 (the CLI's usage code). */
class InputError extends Error {}

async function main() {
  const bin = env.ISSUER_EVENTS_BIN;
  if (!bin || !existsSync(bin)) throw new InputError(`the issuer-events CLI is not installed (ISSUER_EVENTS_BIN=${bin ?? ''}): did the install step run?`);
  const profiles = (env.INPUT_PROFILE ?? '').split(/[\s,]+/).filter(Boolean);
  if (profiles.length === 0) throw new InputError('input "profile" is empty: name at least one credential profile, e.g. openBadgeCredential');

  const dir = mkdtempSync(join(env.RUNNER_TEMP || tmpdir(), 'issuer-events-'));
  const report = join(dir, 'junit.xml');
  const capture = join(dir, 'capture.ndjson');
  // Known before the run, so that the upload step finds them even when the run is cut short.
  setOutput('report', report);
  setOutput('capture', capture);
  setOutput('artifact-name', artifactName());

  const common = commonArguments();
  const mode = (env.INPUT_COMMAND ?? '').trim() || 'smoke';
  if (mode === 'check') return check(bin, common, profiles, report);
  if (mode !== 'smoke') throw new InputError(`input "command" is "${mode}": use smoke or check`);
  let worst = 0;
  const reports = [];
  for (const [i, profile] of profiles.entries()) {
    const junit = profiles.length === 1 ? report : join(dir, `junit-${i + 1}.xml`);
    const args = [...common.global, 'offer', 'create', `--profile=${profile}`, '--claim', `--save=${capture}`, `--junit=${junit}`, ...common.offer];
    console.log(`::group::issuer-events offer create --profile ${profile} --claim`);
    const code = await runCli(bin, args);
    console.log('::endgroup::');
    console.log(`${profile}: exit ${code}`);
    worst = Math.max(worst, code);
    if (existsSync(junit)) reports.push(junit);
    else noReport(profile, code);
  }
  setOutput('exit-code', String(worst));
  if (profiles.length > 1) await merge(bin, reports, report);

  if (worst === 0) return 0;
  const fail = env.INPUT_FAIL_ON_ERROR !== 'false';
  // With fail-on-error: false the failure may be the point (a refusal test): a notice, not an error.
  console.log(`::${fail ? 'error' : 'notice'} title=issuer-events smoke test::issuance failed (exit ${worst}); the job summary says where, the JUnit report is ${report}`);
  return fail ? worst : 0;
}

/**
 * `command: check`: one `issuer-events check` run, all profiles in it (`*` for every profile the
 * issuer lists), its JUnit report (a testsuite per module) and the job summary the CLI writes.
 */
async function check(bin, common, profiles, report) {
  setOutput('capture', '');
  const options = common.offer.filter((arg) => !arg.startsWith('--tx-code'));
  const selected = profiles.includes('*') ? [] : profiles.map((p) => `--profile=${p}`);
  const args = [...common.global, 'check', ...selected, `--junit=${report}`, ...options];
  console.log('::group::issuer-events check');
  const code = await runCli(bin, args);
  console.log('::endgroup::');
  setOutput('exit-code', String(code));
  if (code === 0) return 0;
  const fail = env.INPUT_FAIL_ON_ERROR !== 'false';
  console.log(`::${fail ? 'error' : 'notice'} title=issuer-events check::the issuer failed checks (exit ${code}); the job summary lists them, the JUnit report is ${report}`);
  return fail ? code : 0;
}

/** Arguments every profile's run gets: global options, and offer create's. */
function commonArguments() {
  const global = [];
  const offer = [];
  // --name=value: a value that starts with "-" stays a value.
  if (env.INPUT_CONTEXT) global.push(`--context=${env.INPUT_CONTEXT}`);
  if (env.INPUT_BASE_URL) offer.push(`--base-url=${env.INPUT_BASE_URL}`);
  if (env.INPUT_TARGET) offer.push(`--target=${env.INPUT_TARGET}`);
  const txCode = (env.INPUT_TX_CODE ?? '').trim();
  if (txCode === 'true') offer.push('--tx-code');
  else if (txCode !== '' && txCode !== 'false') offer.push(`--tx-code=${txCode}`);
  if (env.INPUT_TIMEOUT) offer.push(`--timeout=${env.INPUT_TIMEOUT}`);
  // One argument per line: no shell word splitting, so a value may hold spaces or quotes.
  for (const line of (env.INPUT_ARGS ?? '').split(/\r?\n/)) if (line.trim()) offer.push(line.trim());
  return { global, offer };
}

function runCli(bin, args) {
  const childEnv = { ...env };
  for (const key of Object.keys(childEnv)) if (key.startsWith('INPUT_')) delete childEnv[key];
  if (env.INPUT_TOKEN) childEnv.ISSUER_EVENTS_TOKEN = env.INPUT_TOKEN;
  return new Promise((resolve) => {
    // The repository's config file (issuer-events.config.*) is found from the workspace.
    const child = spawn(process.execPath, [bin, ...args], { stdio: 'inherit', cwd: env.GITHUB_WORKSPACE || process.cwd(), env: childEnv });
    child.on('error', (error) => {
      console.log(`::error title=issuer-events smoke test::cannot start the CLI: ${command(error.message)}`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1)));
  });
}

/** Several profiles: one JUnit file, merged by the CLI's own report module. */
async function merge(bin, reports, target) {
  const module = new URL('../dist/report/junit.js', pathToFileURL(realpathSync(bin)));
  const { mergeJunit } = await import(module.href).catch(() => {
    throw new Error(`cannot merge the profiles' JUnit reports: this issuer-events has no ${module.pathname} (use a version with offer create --junit)`);
  });
  writeFileSync(
    target,
    mergeJunit(
      reports.map((file) => readFileSync(file, 'utf8')),
      'offer create --claim',
    ),
  );
  for (const file of reports) rmSync(file);
}

/** A run that ended before it could write its report (a usage error): the summary still says so. */
function noReport(profile, code) {
  if (!env.GITHUB_STEP_SUMMARY) return;
  appendFileSync(env.GITHUB_STEP_SUMMARY, `### ❌ issuer-events offer create --claim: failed (exit ${code})\n\n${profile}: no report was written; the step's log says why.\n\n`);
}

function artifactName() {
  if (env.INPUT_ARTIFACT_NAME) return env.INPUT_ARTIFACT_NAME;
  // Artifact names are unique per workflow run: a matrix job adds its index.
  const matrix = Number(env.JOB_TOTAL) > 1 ? `-${env.JOB_INDEX}` : '';
  return `issuer-events-${env.GITHUB_JOB || 'smoke'}${matrix}`;
}

/** `name<<delimiter` as @actions/core writes it: a value may hold any character, newlines too. */
function setOutput(name, value) {
  if (!env.GITHUB_OUTPUT) return;
  const delimiter = `ghadelimiter_${randomUUID()}`;
  appendFileSync(env.GITHUB_OUTPUT, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}

/** Text inside a workflow command: % and line breaks would end or change it. */
function command(text) {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.log(`::error title=issuer-events smoke test::${command(error.message)}`);
    process.exitCode = error instanceof InputError ? 2 : 1;
  },
);
