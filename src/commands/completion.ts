import type { CommandContext } from '../cli/command-context.js';
import { type declareCompletion, type OptionsOf, PROGRAM_NAME } from '../cli/program.js';
import { isShell, SHELLS } from '../completion/shells.js';
import { completionScript } from '../completion/tree.js';
import { UsageError } from '../errors.js';

/** `completion <shell>`: the shell's completion script on stdout (install lines in `completion --help`). */
export async function run(ctx: CommandContext<OptionsOf<typeof declareCompletion>>, shell: string): Promise<number> {
  if (!isShell(shell)) throw new UsageError(`unknown shell "${shell}": use ${SHELLS.slice(0, -1).join(', ')} or ${SHELLS.at(-1)}`);
  const script = completionScript(shell, PROGRAM_NAME);
  if (ctx.output.json) ctx.output.record({ kind: 'completion', shell, script });
  else ctx.output.data(script);
  return 0;
}
