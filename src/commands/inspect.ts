import type { CommandContext } from '../cli/command-context.js';
import { uiReplay, portFlag } from '../cli/flags.js';
import type { declareInspect, OptionsOf } from '../cli/program.js';
import { runInspect } from '../inspector/run.js';
import { InspectRenderer } from '../output/renderers/inspector.js';

type InspectOptions = OptionsOf<typeof declareInspect>;

/** `inspect`: flags → inspect plan → runInspect (serves until stopped) → inspector renderer. */
export async function run(ctx: CommandContext<InspectOptions>, files: string[]): Promise<number> {
  const { options } = ctx;
  const secrets = (await ctx.settings({ webhookSecret: options.secret })).webhookSecrets;
  return runInspect(
    { files, host: options.host, port: portFlag(options.port), follow: options.follow, replay: uiReplay(options, secrets), title: files.join(', ') || 'no capture file' },
    new InspectRenderer(ctx.output),
  );
}
