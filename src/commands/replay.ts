import type { CommandContext } from '../cli/command-context.js';
import { durationFlag, factorFlag, filterFlag, integerFlag, portFlag, rateFlag, signingSchemeFlag, signingSecretFlag, urlFlag } from '../cli/flags.js';
import type { declareReplay, OptionsOf } from '../cli/program.js';
import { UsageError } from '../errors.js';
import { exchangeTracer } from '../output/renderers/exchange.js';
import { ReplayRenderer } from '../output/renderers/replay.js';
import type { ResignOptions } from '../replay/delivery.js';
import { replayToTarget, serveCaptured, type ReplaySource } from '../replay/engine.js';

type ReplayOptions = OptionsOf<typeof declareReplay>;

/** The most deliveries in flight: more costs memory and sockets and gains nothing on one target. */
const MAX_CONCURRENCY = 1024;

/** `replay`: flags → send or serve plan → replay engine → replay renderer. */
export async function run(ctx: CommandContext<ReplayOptions>, files: string[]): Promise<number> {
  const { options, output } = ctx;
  if (!files?.length) throw new UsageError('missing capture file: replay <capture-file>...');
  if (!options.serveSse && !options.to && !options.dryRun) throw new UsageError('say where to: --to <url>, or --serve-sse --port <n> (or --dry-run to list what would be sent)');
  if (options.serveSse && options.to) throw new UsageError('--to and --serve-sse are exclusive');
  const speed = options.speed === undefined ? undefined : factorFlag(options.speed, '--speed');
  const source: ReplaySource = { files, filter: filterFlag(options.filter ?? []), includeRejected: Boolean(options.includeRejected), skipInvalid: Boolean(options.skipInvalid) };
  if (options.serveSse) {
    return serveCaptured({ ...source, host: options.host, port: portFlag(options.port), speed: speed ?? 1 }, new ReplayRenderer(output));
  }
  // --port and --host belong to --serve-sse: said, not silently ignored.
  if (ctx.given('port') || ctx.given('host')) output.warn('--port and --host apply to --serve-sse only; ignored when sending');
  // Every flag is checked before the files are read.
  const to = options.to === undefined ? '' : urlFlag(options.to, '--to');
  const plan = {
    ...source,
    to,
    resign: await resignOptions(ctx),
    concurrency: integerFlag(options.concurrency, '--concurrency', 1, MAX_CONCURRENCY),
    retries: integerFlag(options.retries, '--retries'),
    timeoutMs: durationFlag(options.timeout, '--timeout', { min: 1 }),
    ratePerSec: options.rate === undefined ? undefined : rateFlag(options.rate),
    speed,
    dryRun: Boolean(options.dryRun),
    trace: exchangeTracer(output),
  };
  return replayToTarget(plan, new ReplayRenderer(output, to));
}

async function resignOptions(ctx: CommandContext<ReplayOptions>): Promise<ResignOptions | undefined> {
  const { options } = ctx;
  if (options.scheme === undefined) {
    if (options.secret?.length) throw new UsageError('--secret needs --scheme to re-sign with');
    return undefined;
  }
  const scheme = signingSchemeFlag(options.scheme, '--scheme');
  const secrets = (await ctx.settings({ webhookSecret: options.secret })).webhookSecrets;
  if (!secrets.length) throw new UsageError(`--scheme ${scheme} needs --secret (or ISSUER_EVENTS_WEBHOOK_SECRET)`);
  return { scheme, secret: signingSecretFlag(scheme, secrets[0]!, '--secret'), newIds: Boolean(options.newIds) };
}
