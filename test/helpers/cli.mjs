import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { releaseAtEnd } from './cleanup.mjs';
import { startInProcess } from './in-process.mjs';

export const BIN = fileURLToPath(new URL('../../bin/issuer-events.js', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Environment without the user's issuer-events settings, colours, terminal width or CI hints. */
/** @param {Record<string, string>} [extra] */
export function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    // GITHUB_STEP_SUMMARY: run in GitHub Actions, the tests' smoke runs would fill the job's summary.
    // COLUMNS: a width the developer's shell exports would cut listen's lines; tests pass it when they mean it.
    // CI: Node's getColorDepth gives 2 colours (none) to a terminal when CI is set, and output
    // hides spinners under it; tests that mean CI pass it (.ci/run runs the suite with CI=true).
    if (
      key === 'CI' ||
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
 * @typedef {{ code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, activeMs: number }} CliResult
 *   activeMs: with `timed`, the wall time from spawn to exit less the time the process waited for a
 *   CPU (Linux's /proc/<pid>/schedstat, sampled): about what the run takes on an idle machine, so that
 *   an upper bound on a duration holds however busy the machine is. Without `timed`, or where
 *   /proc has no schedstat, the plain wall time.
 * @typedef {Promise<CliResult> & { child: import('node:child_process').ChildProcessWithoutNullStreams }} CliRun
 * @typedef {{ cwd?: string, env?: Record<string, string>, input?: string | Buffer, timeoutMs?: number, timed?: boolean,
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
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let exitedAt = 0;
  let waitedMs = 0;
  const sample = () => {
    try {
      // "time on the CPU, time waiting on a run queue, timeslices", in nanoseconds
      waitedMs = Number(readFileSync(`/proc/${child.pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6 || 0;
    } catch {
      // not Linux, or the process has gone: the last sample stands
    }
  };
  const sampler = options.timed ? setInterval(sample, 10) : undefined;
  child.once('exit', () => {
    exitedAt = performance.now();
    clearInterval(sampler);
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
  // A deadline for a broken run only (a passing run never waits for it): generous, because on a
  // busy machine every process starts and runs several times slower.
  const timeoutMs = options.timeoutMs ?? 120_000;
  /** @type {CliRun} */
  const result = /** @type {CliRun} */ (
    new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        released();
        resolve({ code, signal, stdout, stderr, activeMs: (exitedAt || performance.now()) - spawnedAt - waitedMs });
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

export function waitFor(predicate, { timeoutMs = 60_000, intervalMs = 20 } = {}) {
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

/** @typedef {{ env?: Record<string, string>, cwd?: string, timeoutMs?: number, timed?: boolean, spawn?: boolean }} ServerOptions */

/**
 * Starts a command that serves and resolves with what `ready` captures from its stderr (the URL of
 * its Ready line). In-process (startInProcess) unless `spawn`: a test of what only the binary does
 * (real signals, exit with open sockets, its memory, its pid) spawns it, and so does a run whose
 * environment sets NODE_OPTIONS (a preload, such as the ngrok stand-in, acts before the binary).
 * @param {string[]} args
 * @param {RegExp | ((stderr: string) => string | undefined)} ready matched against the whole stderr so far (its first group is the URL), or a function of it that returns the URL
 * @param {ServerOptions} [options]
 */
export async function startServer(args, ready, options = {}) {
  const { spawn: spawnIt, ...rest } = options;
  const spawned = spawnIt || rest.env?.NODE_OPTIONS !== undefined;
  let found;
  const readyPromise = new Promise((resolve) => (found = resolve));
  let err = '';
  const onStderr = (d) => {
    err += d;
    const url = typeof ready === 'function' ? ready(err) : ready.exec(err)?.[1];
    if (url) found(url);
  };
  const result = spawned ? runCli(args, { ...rest, timeoutMs: rest.timeoutMs ?? 120_000, onStderr }) : startInProcess(args, { ...rest, onStderr });
  const url = await Promise.race([
    readyPromise,
    result.then((r) => {
      throw new Error(`${args[0]} exited ${r.code}: ${r.stderr}`);
    }),
  ]);
  return { url, origin: new URL(url).origin, result, child: result.child, stderr: () => err };
}

/**
 * Starts `issuer-events listen --port 0 ...` and resolves once it printed its Ready line.
 * Returns { url, origin, result, child, stderr() }.
 * @param {string[]} args
 * @param {ServerOptions} [options]
 */
export function startListen(args, options = {}) {
  return startServer(['listen', '--port', '0', ...args], /Ready! Listening on (\S+)/, options);
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
