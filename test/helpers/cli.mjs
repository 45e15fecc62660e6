import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { releaseAtEnd } from './cleanup.mjs';

export const BIN = fileURLToPath(new URL('../../bin/issuer-events.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Environment without the user's issuer-events settings, colours, terminal width or CI hints. */
/** @param {Record<string, string>} [extra] */
export function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    // GITHUB_STEP_SUMMARY: run in GitHub Actions, the tests' smoke runs would fill the job's summary.
    // COLUMNS: a width the developer's shell exports would cut listen's lines; tests pass it when they mean it.
    if (
      key.startsWith('ISSUER_EVENTS_') ||
      key === 'FORCE_COLOR' ||
      key === 'NO_COLOR' ||
      key === 'GITHUB_STEP_SUMMARY' ||
      key === 'COLUMNS' ||
      // listen --tunnel's token: a developer's own must not reach the tests (or ngrok).
      key === 'NGROK_AUTHTOKEN' ||
      key.endsWith('_PROXY') ||
      key.endsWith('_proxy')
    )
      delete env[key];
  }
  return { ...env, ...extra };
}

/**
 * @typedef {{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }} CliResult
 * @typedef {Promise<CliResult> & { child: import('node:child_process').ChildProcessWithoutNullStreams }} CliRun
 * @typedef {{ cwd?: string, env?: Record<string, string>, input?: string | Buffer, timeoutMs?: number,
 *   onStdout?: (data: string, child: import('node:child_process').ChildProcessWithoutNullStreams) => void,
 *   onStderr?: (data: string, child: import('node:child_process').ChildProcessWithoutNullStreams) => void }} CliOptions
 */

/**
 * Spawns the real binary. Resolves with { code, signal, stdout, stderr }.
 * `onStderr`/`onStdout` see data as it arrives (to wait for "Ready" lines).
 * @param {string[]} args
 * @param {CliOptions} [options]
 * @returns {CliRun}
 */
export function runCli(args, options = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    stdout += d;
    options.onStdout?.(d, child);
  });
  child.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
    options.onStderr?.(d, child);
  });
  if (options.input !== undefined) child.stdin.end(options.input);
  else child.stdin.end();
  const timeoutMs = options.timeoutMs ?? 30_000;
  /** @type {CliRun} */
  const result = /** @type {CliRun} */ (
    new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        released();
        resolve({ code, signal, stdout, stderr });
      });
    })
  );
  // A test that failed while its child still runs (a listener, a server) must not leave it behind.
  const released = releaseAtEnd(() => {
    child.kill('SIGKILL');
    return result;
  });
  result.child = child;
  return result;
}

/** Every stdout line must be one JSON object (the --json contract). */
export function parseNdjson(stdout) {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const value = JSON.parse(line);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`not an object: ${line}`);
      return value;
    });
}

export function waitFor(predicate, { timeoutMs = 10_000, intervalMs = 20 } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = predicate();
      if (value) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error('waitFor timed out'));
      setTimeout(tick, intervalMs);
    };
    tick();
  });
}

/**
 * Starts `issuer-events listen ...` and resolves once it printed its Ready line.
 * Returns { url, origin, result, child, stderr() }.
 */
/**
 * @param {string[]} args
 * @param {CliOptions} [options]
 */
export async function startListen(args, options = {}) {
  let ready;
  const readyPromise = new Promise((resolve) => (ready = resolve));
  let err = '';
  const result = runCli(['listen', '--port', '0', ...args], {
    ...options,
    timeoutMs: options.timeoutMs ?? 60_000,
    onStderr(d) {
      err += d;
      const m = /Ready! Listening on (\S+)/.exec(err);
      if (m) ready(m[1]);
    },
  });
  const url = await Promise.race([
    readyPromise,
    result.then((r) => {
      throw new Error(`listen exited ${r.code}: ${r.stderr}`);
    }),
  ]);
  return { url, origin: new URL(url).origin, result, child: result.child, stderr: () => err };
}

/**
 * Columns a line takes on a terminal, colour codes aside: the test's own count (CJK and
 * fullwidth characters take two), independent of the code under test.
 * @param {string} line
 */
export function visibleWidth(line) {
  return [...stripVTControlCharacters(line)].reduce(
    (width, ch) => width + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1),
    0,
  );
}
