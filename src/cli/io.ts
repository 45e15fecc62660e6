/**
 * Where one run of the CLI writes and which environment it reads: the process's own, or, for
 * commands run in-process (tests, as changesets and smee-client test theirs), streams and an
 * environment of the caller's. Paths on the command line are still relative to process.cwd(), and
 * the proxy variables the engines' HTTP clients honour are still the process's.
 */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /**
   * In-process only: the run's SIGINT and SIGTERM. Aborted with 'SIGINT' or 'SIGTERM' as its reason,
   * it stops the run as that signal stops the process (src/shared/shutdown.ts); the process's own
   * signals then do not reach the run.
   */
  stop?: AbortSignal;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
