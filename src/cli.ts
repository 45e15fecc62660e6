import { createRequire } from 'node:module';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { CommandContext } from './cli/command-context.js';
import { type CliIo, processIo } from './cli/io.js';
import { type ArgumentsOf, DECLARATIONS, declareProgram, type OptionsOf } from './cli/program.js';

// commander is CommonJS: require() skips the ESM wrapper's export scan (~4 ms of every start-up).
const { CommanderError } = createRequire(import.meta.url)('commander') as typeof import('commander');
type Command = CommandUnknownOpts;

type Declarations = typeof DECLARATIONS;

/** A command module, lazily loaded: its run takes the options and arguments its declaration gives. */
type Loader<D extends Declarations[keyof Declarations]> = () => Promise<{ run: (ctx: CommandContext<OptionsOf<D>>, ...args: ArgumentsOf<D>) => Promise<number> }>;

/**
 * Each command's module (src/commands/<command>.ts), loaded only when it runs, so that `--help`
 * and `--version` load almost nothing. Typed against the declarations: a run whose options or
 * arguments are not the ones its command declares does not compile.
 */
const LOADERS: { [K in keyof Declarations]: Loader<Declarations[K]> } = {
  offer: () => import('./commands/offer-create.js'),
  tail: () => import('./commands/tail.js'),
  claim: () => import('./commands/claim.js'),
  check: () => import('./commands/check.js'),
  context: () => import('./commands/context.js'),
  listen: () => import('./commands/listen.js'),
  trigger: () => import('./commands/trigger.js'),
  verify: () => import('./commands/verify.js'),
  replay: () => import('./commands/replay.js'),
  inspect: () => import('./commands/inspect.js'),
  sandbox: () => import('./commands/sandbox.js'),
  demo: () => import('./commands/demo.js'),
  completion: () => import('./commands/completion.js'),
  complete: () => import('./commands/complete.js'),
};

/** A run of the program: where it writes, and the exit code its command returned. */
interface Run {
  io: CliIo;
  exitCode: number;
}
const RUNS = new WeakMap<Command, Run>();

function runOf(command: Command): Run {
  let root = command;
  while (root.parent) root = root.parent;
  return RUNS.get(root)!;
}

function action(load: () => Promise<{ run: (ctx: CommandContext<never>, ...args: never[]) => Promise<number> }>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args.at(-1) as Command;
    const positional = args.slice(0, -2);
    const run = runOf(command);
    const [{ createContext }, module] = await Promise.all([import('./cli/command-context.js'), load()]);
    const ctx = createContext(command, run.io);
    try {
      run.exitCode = await (module.run as (ctx: CommandContext<unknown>, ...a: unknown[]) => Promise<number>)(ctx, ...positional);
    } finally {
      // Batched stdout is written before the exit code is returned (and the process exits).
      ctx.output.flush();
    }
  };
}

/** The protocol of the completion scripts: declared with the commands so that it loads alone, but not offered to people. */
const HIDDEN_COMMAND = 'complete';

// Global options that take a value, so that `--config x tail` still finds `tail`.
const GLOBAL_WITH_VALUE = new Set(['--config', '--context']);

/** The command named in argv, when it is a known one; undefined means "register them all". */
function commandNamed(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (GLOBAL_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg in DECLARATIONS ? arg : undefined;
  }
  return undefined;
}

/** The program; with `argv`, only the command it names is registered (faster start-up). */
function buildProgram(version: string, argv: readonly string[] = [], io: CliIo = processIo()): Command {
  const program = declareProgram(version, io);
  const wanted = commandNamed(argv);
  for (const [name, declare] of Object.entries(DECLARATIONS)) {
    if (!wanted || name === wanted) declare(program).action(action(LOADERS[name as keyof Declarations]));
  }
  RUNS.set(program, { io, exitCode: 0 });
  return program;
}

// Their texts live in cli/help-topics.ts, loaded only when asked for (start-up stays small).
const HELP_TOPIC_NAMES = ['exit-codes', 'environment', 'events'];

/** The words of argv that are neither options nor the values of global options. */
function words(argv: readonly string[]): string[] {
  return argv.filter((arg, i) => !arg.startsWith('-') && !GLOBAL_WITH_VALUE.has(argv[i - 1] ?? ''));
}

type HelpRequest = { topic: string } | { unknown: string } | { command: string[] };

/** `help exit-codes|environment|events` (after any global options): the topic; `help offer create`: the command; or the unknown word. */
function helpRequest(argv: readonly string[]): HelpRequest | undefined {
  const rest = words(argv);
  if (rest[0] !== 'help' || rest.length < 2) return undefined;
  if (rest.length === 2 && HELP_TOPIC_NAMES.includes(rest[1]!)) return { topic: rest[1]! };
  // Commander's help command takes one word: `help offer create` would show offer's help.
  if (rest[1]! in DECLARATIONS) return { command: rest.slice(1) };
  return rest.length === 2 ? { unknown: rest[1]! } : undefined;
}

/**
 * A subcommand typed without its command (`create` for `offer create`), or a word close to one:
 * the whole command to suggest. Commander suggests only among the top-level names, and keeps
 * that job when a top-level name is the closest.
 */
async function commandSuggestion(commands: readonly Command[], word: string, parent = ''): Promise<string | undefined> {
  const [{ closestMatch }, { CONTEXT_ACTIONS }] = await Promise.all([import('./shared/closest.js'), import('./config/contexts.js')]);
  const paths = new Map<string, string>();
  for (const command of commands) {
    if (command.name() === HIDDEN_COMMAND) continue;
    paths.set(command.name(), `${parent}${command.name()}`);
    if (!parent) for (const sub of command.commands) if (!paths.has(sub.name())) paths.set(sub.name(), `${command.name()} ${sub.name()}`);
  }
  // context's actions are its argument, not subcommands, but read as ones (`use staging`).
  if (!parent) for (const action of CONTEXT_ACTIONS) if (!paths.has(action)) paths.set(action, `context ${action}`);
  const best = closestMatch(word, paths.keys());
  return best && (parent || paths.get(best) !== best) ? paths.get(best) : undefined;
}

/** Runs the CLI and returns the exit code; all error-to-exit-code mapping lives here. */
export async function main(argv: string[], version: string, io: CliIo = processIo()): Promise<number> {
  const help = helpRequest(argv);
  if (help && 'topic' in help) {
    const { HELP_TOPICS } = await import('./cli/help-topics.js');
    io.stdout.write(HELP_TOPICS[help.topic]!());
    return 0;
  }
  if (help && 'unknown' in help) {
    const suggestion = await commandSuggestion(buildProgram(version, [], io).commands, help.unknown);
    const hint = suggestion ? `did you mean ${suggestion}? ` : '';
    io.stderr.write(
      `error: unknown command or help topic "${help.unknown}": ${hint}topics are ${HELP_TOPIC_NAMES.join(', ')}; commands: ${Object.keys(DECLARATIONS)
        .filter((name) => name !== HIDDEN_COMMAND)
        .join(', ')}\n`,
    );
    return 2;
  }
  if (help) {
    // `help offer create` is `offer create --help`, once every word is known to name a command.
    let commands = buildProgram(version, help.command, io).commands;
    for (const [i, word] of help.command.entries()) {
      const command = commands.find((c) => c.name() === word);
      if (command) {
        commands = command.commands;
        continue;
      }
      if (commands.length === 0) break;
      const parent = `${help.command.slice(0, i).join(' ')} `;
      const suggestion = await commandSuggestion(commands, word, parent);
      io.stderr.write(`error: unknown command '${parent}${word}'${suggestion ? `\n(Did you mean ${suggestion}?)` : ''}\n`);
      return 2;
    }
    const at = argv.findIndex((arg, i) => arg === 'help' && !GLOBAL_WITH_VALUE.has(argv[i - 1] ?? ''));
    argv = [...argv.slice(0, at), ...argv.slice(at + 1), '--help'];
  }
  const program = buildProgram(version, argv, io);
  const first = words(argv)[0];
  if (first !== undefined && first !== 'help' && !(first in DECLARATIONS)) {
    const suggestion = await commandSuggestion(program.commands, first);
    if (suggestion) {
      io.stderr.write(`error: unknown command '${first}'\n(Did you mean ${suggestion}?)\n`);
      return 2;
    }
  }
  try {
    const parse = (): Promise<unknown> => program.parseAsync(argv, { from: 'user' });
    // Loaded only for a run in-process that has its own stop (tests): the binary's start-up does not pay for it.
    await (io.stop ? (await import('./shared/shutdown.js')).withStopSignal(io.stop, parse) : parse());
    return runOf(program).exitCode;
  } catch (error) {
    return handleError(error, argv, io);
  }
}

async function handleError(error: unknown, argv: string[], io: CliIo): Promise<number> {
  // Commander has already printed its message; help and version are successes, the rest usage errors (2).
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  // Loaded only on failure: `--help` and successful runs never pay for them here.
  const [{ Output }, { CliError, ExitCode }, { escapeControl }, { withFlagHint }] = await Promise.all([
    import('./output/output.js'),
    import('./errors.js'),
    import('./shared/escape.js'),
    import('./cli/flag-hints.js'),
  ]);
  const verbose = argv.includes('-v') || argv.includes('--verbose');
  const output = new Output({ color: argv.includes('--no-color') ? false : undefined, stdout: io.stdout, stderr: io.stderr, env: io.env });
  if (error instanceof CliError) {
    // The engine's words, then the flag that changes them (cli/flag-hints.ts).
    output.error(withFlagHint(error, words(argv).slice(0, 2).join(' ')));
    // The stack starts with the message, which may quote the network: escaped like every other line.
    if (verbose && error.stack) io.stderr.write(`${escapeControl(error.stack)}\n`);
    return error.exitCode;
  }
  const err = error as Error;
  output.error(`unexpected failure: ${err?.message ?? String(error)}${verbose ? '' : ' (run with --verbose for details)'}`);
  if (verbose && err?.stack) io.stderr.write(`${escapeControl(err.stack)}\n`);
  return ExitCode.FAILURE;
}
