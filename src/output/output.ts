import { terminalSafeJson } from '../shared/json-safety.js';
import { requestStop } from '../shared/shutdown.js';
import type { ChalkInstance } from 'chalk';
import { chalkFor } from './color.js';
import { escapeLine } from '../shared/escape.js';

interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
}

export interface Spinner {
  text: string;
  start(text?: string): void;
  stop(): void;
  succeed(text?: string): void;
  fail(text?: string): void;
}

const noopSpinner = (): Spinner => ({
  text: '',
  start() {},
  stop() {},
  succeed() {},
  fail() {},
});

const FLUSH_MS = 8;

/**
 * The one place that writes to the terminal. stdout is data; stderr is everything else
 * (docs/cli.md, "Output"). With `json`, stdout carries NDJSON records only.
 */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** Colours for stdout. */
  readonly color: ChalkInstance;
  /** Colours for stderr. */
  readonly errColor: ChalkInstance;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  private readonly env: NodeJS.ProcessEnv;
  private activeSpinner: Spinner | undefined;
  // stdout text not yet written: records are batched into one write per burst (one per SSE chunk).
  private pending = '';
  private flushScheduled = false;

  constructor(options: OutputOptions = {}) {
    this.json = options.json ?? false;
    this.quiet = options.quiet ?? false;
    this.verbose = options.verbose ?? false;
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.env = options.env ?? process.env;
    watchForClosedPipe(this.stdout);
    const colorOptions = { color: options.color, env: this.env };
    this.color = chalkFor(this.stdout, colorOptions);
    this.errColor = chalkFor(this.stderr, colorOptions);
  }

  /** A line of human-readable data on stdout (never used with --json). */
  data(line: string): void {
    if (this.json) return;
    this.writeOut(`${line}\n`);
  }

  /** One NDJSON record on stdout. */
  record(value: unknown): void {
    this.writeOut(`${terminalSafeJson(JSON.stringify(value))}\n`);
  }

  /** One already-serialised NDJSON line on stdout. */
  recordLine(line: string): void {
    this.writeOut(`${terminalSafeJson(line)}\n`);
  }

  /** Progress and status on stderr; silenced by --quiet. */
  info(message: string): void {
    if (this.quiet) return;
    this.writeErr(`${message}\n`);
  }

  /** A line on stderr that scripts wait for (e.g. "Ready"); printed even with --quiet. */
  notice(message: string): void {
    this.writeErr(`${message}\n`);
  }

  /** Extra detail on stderr, only with --verbose. */
  debug(message: string): void {
    if (!this.verbose) return;
    this.writeErr(`${this.errColor.dim(message)}\n`);
  }

  warn(message: string): void {
    this.writeErr(`${this.errColor.yellow('warning:')} ${escapeLine(message)}\n`);
  }

  error(message: string): void {
    this.writeErr(`${this.errColor.red('error:')} ${escapeLine(message)}\n`);
  }

  /**
   * The width stdout lines should fit, or undefined to leave them whole: COLUMNS when it is a
   * positive integer (as most tools honour it), else the terminal's width when stdout is one.
   * A pipe or a file gets whole lines, so scripts that parse them are unaffected.
   */
  get columns(): number | undefined {
    const fromEnv = Number(this.env.COLUMNS);
    if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
    return this.stdout.isTTY && this.stdout.columns > 0 ? this.stdout.columns : undefined;
  }

  /** Spinners only on an interactive stderr, never with --json, --quiet or CI=true. */
  get interactive(): boolean {
    // A pty without a size (columns 0) would make the spinner's line arithmetic loop forever.
    return Boolean(this.stderr.isTTY) && (this.stderr.columns ?? 0) > 0 && !this.json && !this.quiet && !isCI(this.env) && this.env.TERM !== 'dumb';
  }

  async spinner(text: string): Promise<Spinner> {
    if (!this.interactive) return noopSpinner();
    const { default: ora } = await import('ora');
    const spinner = ora({ text, stream: this.stderr, discardStdin: false, isEnabled: true });
    this.activeSpinner = spinner as unknown as Spinner;
    return this.activeSpinner;
  }

  private writeOut(text: string): void {
    this.pending += text;
    if (this.pending.length >= 65_536) {
      this.flush();
    } else if (!this.flushScheduled) {
      // Lines produced within a few milliseconds (an SSE chunk's events, a burst of deliveries
      // or replay results) go out in one write: far fewer syscalls, no visible delay.
      this.flushScheduled = true;
      setTimeout(() => this.flush(), FLUSH_MS).unref();
    }
  }

  /** Writes batched stdout text now. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending === '' || closedPipes.has(this.stdout)) {
      this.pending = '';
      return;
    }
    const text = this.pending;
    this.pending = '';
    this.withSpinnerPaused(() => this.stdout.write(text));
  }

  /**
   * A promise while stdout is backed up (a slow pipe reader), so producers can pause
   * instead of queueing output in memory; undefined when writing can go on.
   */
  drained(): Promise<void> | undefined {
    this.flush();
    if (!this.stdout.writableNeedDrain || closedPipes.has(this.stdout)) return undefined;
    // A reader that goes away never drains: closing or failing ends the wait too.
    return new Promise((resolve) => {
      const done = (): void => {
        this.stdout.off('drain', done).off('close', done).off('error', done);
        resolve();
      };
      this.stdout.on('drain', done).on('close', done).on('error', done);
    });
  }

  private writeErr(text: string): void {
    // Keep stdout and stderr in the order they were produced.
    this.flush();
    this.withSpinnerPaused(() => this.stderr.write(text));
  }

  // A spinner redraws its line; pause it so other output does not mix into that line.
  private withSpinnerPaused(write: () => void): void {
    const spinner = this.activeSpinner as (Spinner & { isSpinning?: boolean; clear?: () => void; render?: () => void }) | undefined;
    if (spinner?.isSpinning && spinner.clear && spinner.render) {
      spinner.clear();
      write();
      spinner.render();
      return;
    }
    write();
  }
}

const closedPipes = new WeakSet<NodeJS.WriteStream>();

/**
 * `issuer-events tail … | head -1`: once the reader goes away, stdout is dropped and the command
 * is asked to stop (captures closed cleanly; exit 0), instead of crashing on EPIPE.
 */
function watchForClosedPipe(stream: NodeJS.WriteStream): void {
  if (typeof stream.on !== 'function' || (stream as { __issuerEventsWatched?: boolean }).__issuerEventsWatched) return;
  (stream as { __issuerEventsWatched?: boolean }).__issuerEventsWatched = true;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    if (closedPipes.has(stream)) return;
    closedPipes.add(stream);
    requestStop('stdout-closed');
  });
}

function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI !== 'false';
}
