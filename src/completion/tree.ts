import { format } from 'node:util';
import { type Complete, RootCommand, type Command as TabCommand } from '@bomb.sh/tab';
import type { CommandUnknownOpts as Command } from '@commander-js/extra-typings';
import type { Shell } from './shells.js';
import { ARGUMENT_VALUES, helpTopics, OPTION_VALUES, type Source, type Value } from './values.js';

/**
 * Shell completion on @bomb.sh/tab: its scripts (one per shell) call `<program> complete -- <words>`
 * on each TAB, and its `RootCommand` answers from a tree of commands, options and arguments.
 *
 * The tree is built here from commander's registered program rather than by tab's commander
 * adapter: the adapter adds its own `completion` and `complete` commands to the program, which
 * cli.ts registers itself (lazily, like every command, and visible in --help without loading tab);
 * and it gives a subcommand none of the global options (`tail --context <TAB>`).
 */

/** The completion script for a shell; it calls `name complete -- …`, so `name` must be on PATH. */
export function completionScript(shell: Shell, name: string): string {
  return printed(() => new RootCommand().setup(name, name, shell))
    .join('\n')
    .replace(/\n+$/, '');
}

/**
 * The answer to `complete -- <words>`: one `value<TAB>description` line per candidate, then
 * `:<directive>` (tab's protocol). `words` are those after the program name, the current one last
 * (empty after a space).
 */
export async function completeLine(program: Command, words: readonly string[]): Promise<string[]> {
  const loaded = new Map<Source, Value[]>();
  const wanted = new Set<Source>();
  const handler =
    (source: Source): Handler =>
    (complete) => {
      const values = loaded.get(source);
      if (!values) {
        wanted.add(source);
        throw NOT_LOADED;
      }
      for (const v of values) complete(v.value, v.description);
    };
  const root = tree(program, handler);
  // tab's handlers are synchronous and run before it prints anything; a source is read only
  // when a handler asks for it (a config file only for `--context <TAB>`): ask, load, ask again.
  for (;;) {
    try {
      return printed(() => root.parse([...words]));
    } catch (error) {
      if (error !== NOT_LOADED) throw error;
      for (const source of wanted) loaded.set(source, await source(words));
      wanted.clear();
    }
  }
}

const NOT_LOADED = Symbol('completion values not loaded yet');

/** What tab calls for an option's or an argument's values. */
type Handler = (complete: Complete) => void;

/** tab's commands, options and arguments for a commander program, with a value source where one is known. */
function tree(program: Command, handler: (source: Source) => Handler): RootCommand {
  const root = new RootCommand();
  const add = (target: TabCommand, command: Command, path: string): void => {
    const help = command.createHelp();
    // A subcommand takes the program's options too (commander parses them anywhere on the line).
    for (const option of [...help.visibleOptions(command), ...help.visibleGlobalOptions(command)]) {
      if (!option.long) continue;
      const name = option.long.slice(2);
      const alias = option.short?.slice(1);
      // tab tells a flag from an option that consumes the next word by whether it has a handler.
      if (!option.required && !option.optional) target.option(name, option.description, alias);
      else {
        const source = sourceFor(OPTION_VALUES[option.long], path);
        target.option(name, option.description, source ? handler(source) : () => {}, alias);
      }
    }
    for (const argument of command.registeredArguments) {
      const source = path === 'help' ? helpTopics(commandValues(program)) : ARGUMENT_VALUES[path]?.[argument.name()];
      target.argument(argument.name(), source && handler(source), argument.variadic);
    }
    for (const sub of help.visibleCommands(command)) {
      const subPath = path ? `${path} ${sub.name()}` : sub.name();
      add(root.command(subPath, sub.description()), sub, subPath);
    }
  };
  add(root, program, '');
  return root;
}

function sourceFor(entry: Source | Record<string, Source> | undefined, path: string): Source | undefined {
  return typeof entry === 'function' ? entry : entry?.[path];
}

/** The program's visible commands as values (`help <command>`). */
function commandValues(program: Command): Value[] {
  return program
    .createHelp()
    .visibleCommands(program)
    .filter((c) => c.name() !== 'help')
    .map((c) => ({ value: c.name(), description: c.description() }));
}

/** tab prints with console.log; its lines are collected so that stdout stays the output layer's (src/output/output.ts). */
function printed(print: () => void): string[] {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void lines.push(format(...args));
  try {
    print();
  } finally {
    console.log = log;
  }
  return lines;
}
