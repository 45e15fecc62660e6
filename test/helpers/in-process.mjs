// The CLI run in the test's own process: main() from dist/cli.js with its own stdout, stderr and
// environment (src/cli/io.ts), as changesets tests its commands. A spawned binary costs a Node
// start-up plus every module the command loads (0.25-0.85 s of CPU each, measured over the suite
// on two cores); in-process, the modules load once per test file. What stays spawned (runCli):
// the binary's own contract — signals, stdin, exit with open sockets, a terminal, a working
// directory, and anything that must outlive or race the test.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { releaseAtEnd } from './cleanup.mjs';
import { cleanEnv, ROOT } from './cli.mjs';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
/** @type {Promise<typeof import('../../dist/cli.js')>} */
const cli = import('../../dist/cli.js');

let active = 0;
let activeCwd = '';
let outside = '';

/** Enters `cwd` for a run (as runCli's default, the repository's root); returns the way back. */
function enter(cwd) {
  if (active > 0 && cwd !== activeCwd) throw new Error(`runInProcess: a run in ${activeCwd} is still going; ${cwd} would change its directory`);
  if (active++ === 0) outside = process.cwd();
  activeCwd = cwd;
  process.chdir(cwd);
  return () => {
    if (--active === 0) process.chdir(outside);
  };
}

/** A stream that is not a terminal, as a spawned child's piped stdout is not. */
function sink(onText) {
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      onText(chunk.toString('utf8'));
      callback();
    },
  });
  return Object.assign(stream, { isTTY: false });
}

/**
 * Starts `issuer-events <args>` in-process and returns at once: `result` resolves like runCli's;
 * `child.kill('SIGINT' | 'SIGTERM')` stops the run as that signal stops the binary (CliIo.stop), so a
 * test of a server reads the same either way. What only a process has (a pid, real signals, exit with
 * open sockets, stdin) is refused or absent: those tests spawn with runCli.
 * @param {string[]} args
 * @param {{ env?: Record<string, string>, timed?: boolean, timeoutMs?: number, cwd?: string,
 *   onStdout?: (data: string) => void, onStderr?: (data: string) => void }} [options]
 * @returns {Promise<import('./cli.mjs').CliResult> & { child: { kill: (signal?: string) => boolean } }}
 */
export function startInProcess(args, options = {}) {
  for (const key of Object.keys(options)) {
    if (!['env', 'timed', 'timeoutMs', 'cwd', 'onStdout', 'onStderr'].includes(key)) throw new Error(`in-process runs have no ${key}: spawn the binary with runCli`);
  }
  if (options.env?.NODE_OPTIONS !== undefined) throw new Error('NODE_OPTIONS acts when a process starts: spawn the binary with runCli');
  const stop = new AbortController();
  let stdout = '';
  let stderr = '';
  const started = performance.now();
  const result = cli.then(async ({ main }) => {
    const restore = enter(options.cwd ?? ROOT);
    const run = main(args, version, {
      stdout: /** @type {any} */ (
        sink((text) => {
          stdout += text;
          options.onStdout?.(text);
        })
      ),
      stderr: /** @type {any} */ (
        sink((text) => {
          stderr += text;
          options.onStderr?.(text);
        })
      ),
      env: cleanEnv(options.env),
      stop: stop.signal,
    });
    const timeoutMs = options.timeoutMs ?? 120_000;
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`issuer-events ${args.join(' ')} still running after ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    });
    const code = await Promise.race([run, deadline]).finally(() => {
      clearTimeout(timer);
      restore();
      released();
    });
    return { code, signal: null, stdout, stderr, activeMs: performance.now() - started };
  });
  // A test that failed while a server still runs must not leave it behind: stopped as by SIGTERM.
  const released = releaseAtEnd(() => {
    stop.abort('SIGTERM');
    return result.catch(() => {});
  });
  const child = {
    kill(signal = 'SIGTERM') {
      if (signal !== 'SIGINT' && signal !== 'SIGTERM') throw new Error(`in-process runs stop on SIGINT or SIGTERM, not ${signal}: spawn with runCli`);
      stop.abort(signal);
      return true;
    },
  };
  return Object.assign(result, { child });
}

/**
 * Runs `issuer-events <args>` in-process. Resolves with { code, signal: null, stdout, stderr, activeMs }
 * like runCli, for the options that mean the same in-process (env, timed, timeoutMs: a run still going
 * then fails the test, as a spawned one would be killed).
 * @param {string[]} args
 * `cwd` changes the process's working directory for the run (the configuration search and relative
 * paths start there): runs with different directories cannot overlap, and one that tries throws.
 * @param {{ env?: Record<string, string>, timed?: boolean, timeoutMs?: number, cwd?: string }} [options]
 * @returns {Promise<import('./cli.mjs').CliResult>}
 */
export function runInProcess(args, options = {}) {
  // startInProcess checks the rest; its streaming callbacks are for servers, which it starts.
  for (const key of ['onStdout', 'onStderr']) if (key in options) throw new Error(`runInProcess has no ${key}: start a server with startServer`);
  return startInProcess(args, options);
}
