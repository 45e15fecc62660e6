import type { CommandContext } from '../cli/command-context.js';
import { choiceFlag, durationFlag, EVENT_NAME_GENERATIONS, OUTCOMES } from '../cli/flags.js';
import type { declareDemo, OptionsOf } from '../cli/program.js';
import { UsageError } from '../errors.js';
import { DemoRenderer } from '../output/renderers/demo.js';
import { runDemo } from '../sandbox/demo.js';
import { BUILT_IN_PROFILES } from '../sandbox/profiles.js';

type DemoOptions = OptionsOf<typeof declareDemo>;

/** `demo`: flags → demo plan → runDemo → demo renderer. */
export async function run(ctx: CommandContext<DemoOptions>): Promise<number> {
  const { options } = ctx;
  const profiles = BUILT_IN_PROFILES.map((p) => p.id);
  if (!profiles.includes(options.profile)) throw new UsageError(`unknown --profile "${options.profile}": use ${profiles.join(', ')}`);
  return runDemo(
    {
      profileId: options.profile,
      outcome: choiceFlag(options.outcome, '--outcome', OUTCOMES),
      eventNames: choiceFlag(options.eventNames, '--event-names', EVENT_NAME_GENERATIONS),
      timeoutMs: durationFlag(options.timeout, '--timeout', { min: 1 }),
    },
    new DemoRenderer(ctx.output, options.profile),
  );
}
