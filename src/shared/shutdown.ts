import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { ExitCode } from '../errors.js';
import { safeTimeout } from './duration.js';

/**
 * The one shutdown policy of every command (docs/exit-codes.md):
 * SIGINT → 130; SIGTERM → 143 while a condition is awaited, 0 for a server asked to stop;
 * a stdout reader that went away (`| head`) → 0, quietly. Work in flight drains for a bounded
 * time (DRAIN_MS) before captures are closed.
 */
type StopReason = 'SIGINT' | 'SIGTERM' | 'stdout-closed';

const DRAIN_MS = 10_000;

const bus = new EventEmitter();

/**
 * The stop signal of a run of the CLI in-process (CliIo.stop, src/cli/io.ts): within it, that
 * signal's abort is what SIGINT and SIGTERM are to the process, and the process's signals are left
 * to their owner. Async context, not a parameter, because every server and follower of every
 * command waits on onStop, as each would on a signal.
 */
const runStop = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` with `signal` as its stop (aborted with a StopReason) instead of the process's signals. */
export function withStopSignal<T>(signal: AbortSignal, fn: () => T): T {
  return runStop.run(signal, fn);
}

/** Asks the running command to stop as if signalled (used by the output layer on EPIPE). */
export function requestStop(reason: StopReason): void {
  bus.emit('stop', reason);
}

/** Exit code for a stop: `awaiting` is true while a command waits for a condition. */
export function exitCodeForStop(reason: StopReason, awaiting: boolean): number {
  if (reason === 'SIGINT') return ExitCode.INTERRUPTED;
  if (reason === 'SIGTERM') return awaiting ? ExitCode.TERMINATED : ExitCode.OK;
  return ExitCode.OK;
}

/** Calls `onStop` once, at the first SIGINT, SIGTERM or closed stdout; returns the disposer. */
export function onStop(onStopped: (reason: StopReason) => void): () => void {
  let done = false;
  const fire = (reason: StopReason): void => {
    if (done) return;
    done = true;
    dispose();
    onStopped(reason);
  };
  const onBus = (reason: StopReason): void => fire(reason);
  bus.on('stop', onBus);
  const signal = runStop.getStore();
  const unlisten = signal ? listenTo(signal, fire) : listenToProcess(fire);
  function dispose(): void {
    unlisten();
    bus.off('stop', onBus);
  }
  return dispose;
}

function listenToProcess(fire: (reason: StopReason) => void): () => void {
  const onInt = (): void => fire('SIGINT');
  const onTerm = (): void => fire('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}

function listenTo(signal: AbortSignal, fire: (reason: StopReason) => void): () => void {
  const onAbort = (): void => fire(signal.reason as StopReason);
  // A stop asked for before this listener existed still stops it, as a signal would have.
  if (signal.aborted) {
    queueMicrotask(onAbort);
    return () => {};
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/**
 * For servers (`listen` without a condition, `sandbox`, `replay --serve-sse`, `inspect`): resolves
 * with the exit code of the first stop — or with `other`'s, when it settles first.
 */
export function untilStopped(options: { awaiting?: () => boolean; other?: Promise<number> } = {}): Promise<number> {
  return new Promise<number>((resolve) => {
    const dispose = onStop((reason) => resolve(exitCodeForStop(reason, options.awaiting?.() ?? false)));
    options.other?.then(
      (code) => {
        dispose();
        resolve(code);
      },
      () => {
        dispose();
        resolve(ExitCode.FAILURE);
      },
    );
  });
}

/** Waits for `work`, but never longer than `ms`: a stuck client cannot hold shutdown hostage. */
export async function drainWithin(work: Promise<unknown>, ms = DRAIN_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = safeTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
