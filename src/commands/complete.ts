import type { CommandContext } from '../cli/command-context.js';
import { declareAll, type declareComplete, type OptionsOf } from '../cli/program.js';
import { completeLine } from '../completion/tree.js';
import { VERSION } from '../version.js';

/** `complete -- <words>`: what the scripts of `completion` ask on each TAB; answers from every command's registration. */
export async function run(ctx: CommandContext<OptionsOf<typeof declareComplete>>, words: string[] = []): Promise<number> {
  for (const line of await completeLine(declareAll(VERSION), words)) ctx.output.data(line);
  return 0;
}
