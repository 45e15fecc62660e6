import { ExitCode, UsageError } from '../errors.js';

/** A server that could not bind, as the usage error (exit 2) every command reports. */
export function bindError(host: string, port: number, error: unknown): UsageError {
  const err = error as NodeJS.ErrnoException;
  return new UsageError(`cannot listen on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.code ?? err.message}`);
}

/**
 * Resolves with the exit code of the first SIGINT (130) or SIGTERM (0) — or of `other`, when it
 * settles first — and removes its handlers either way.
 */
export function untilSignal(other?: Promise<number>): Promise<number> {
  return new Promise<number>((resolve) => {
    const done = (code: number): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(code);
    };
    const onInt = (): void => done(ExitCode.INTERRUPTED);
    const onTerm = (): void => done(ExitCode.OK);
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    other?.then(done, () => done(ExitCode.FAILURE));
  });
}
