import type { CommandContext } from '../cli/command-context.js';
import { flagHint } from '../cli/flag-hints.js';
import { durationFlag, integerFlag, listFlag, optionalDuration, reportTargets, urlFlag } from '../cli/flags.js';
import type { CheckOutcome, CheckPlan } from '../check/engine.js';
import { MODULE_NAMES, selectModules } from '../check/modules.js';
import { CliError, ConfigError, UsageError } from '../errors.js';
import { CheckRenderer } from '../output/renderers/check.js';
import type { RunReport } from '../report/checks.js';
import { loadProfiles } from '../sandbox/profiles.js';
import { formatDuration } from '../shared/duration.js';
import { tunnelPlan } from '../cli/tunnel-flags.js';
import type { declareCheck, OptionsOf } from '../cli/program.js';
import { renderTunnelStatus } from '../output/renderers/tunnel.js';
import { exposeReceiver, type TunnelPlan } from '../tunnel/index.js';

type CheckOptions = OptionsOf<typeof declareCheck>;

/** `check`: flags → check plan → runCheck → check renderer (and the JUnit report and job summary). */
export async function run(ctx: CommandContext<CheckOptions>): Promise<number> {
  const { options, output } = ctx;
  const plan = await checkPlan(ctx);
  const reports = reportTargets(options.junit, ctx.env);
  const renderer = new CheckRenderer(output);
  const [{ runCheck, checkExitCode }, { withReports }] = await Promise.all([import('../check/engine.js'), import('../report/write.js')]);
  let outcome: CheckOutcome | undefined;
  const work = async (): Promise<number> => {
    await renderer.start();
    outcome = await runCheck(plan, renderer);
    renderer.report(outcome);
    if (outcome.stoppedWith === undefined && outcome.timedOut)
      output.error(`check did not finish within ${formatDuration(plan.timeoutMs!)}${flagHint({ kind: 'deadline' })}: the report holds the checks done so far`);
    return checkExitCode(outcome);
  };
  const report = (exitCode: number): RunReport => ({
    title: 'check',
    subject: outcome?.subject,
    results: outcome?.results ?? [],
    ms: outcome?.ms ?? 0,
    exitCode,
    startedAt: outcome?.startedAt ?? new Date().toISOString(),
  });
  return withReports(reports, report, work, (message) => output.warn(message));
}

async function checkPlan(ctx: CommandContext<CheckOptions>): Promise<CheckPlan> {
  const { options } = ctx;
  const { selected, unknown } = selectModules(listFlag(options.only), listFlag(options.skip));
  if (unknown.length) throw new UsageError(`unknown module ${unknown.join(', ')} in --only/--skip; the modules are:\n  ${MODULE_NAMES.join('\n  ')}`);
  if (selected.size === 0) throw new UsageError('--only/--skip leave no module to run');
  const issuerFlags = ['baseUrl', 'target', 'token'].filter((flag) => ctx.given(flag));
  if (options.sandbox && (options.offerCommand !== undefined || issuerFlags.length))
    throw new UsageError('--sandbox runs its own issuer: it takes no --base-url, --target, --token or --offer-command');
  if (options.offerCommand !== undefined && issuerFlags.length) throw new UsageError('--offer-command replaces the management API: it takes no --base-url, --target or --token');
  if (options.offerCommand === '') throw new UsageError('invalid --offer-command "": give the shell command that prints one offer');
  const webhookUrl = options.webhookUrl === undefined ? undefined : new URL(urlFlag(options.webhookUrl, '--webhook-url'));
  const events = eventsFlag(options.events);
  const tunnel = options.tunnel === undefined && options.tunnelDomain === undefined ? undefined : tunnelPlan(options, await ctx.settings());
  if (tunnel) tunnelUsage(ctx, events, selected);
  const plan: Omit<CheckPlan, 'source'> = {
    profiles: options.profile,
    modules: selected,
    events,
    // The issuer is told --webhook-url (a Docker host name, a tunnel); the receiver listens on its port, on every interface.
    receiver: webhookUrl
      ? { host: '0.0.0.0', port: Number(webhookUrl.port || 0), path: webhookUrl.pathname, publicUrl: webhookUrl.href }
      : { host: '127.0.0.1', port: 0, path: '/hooks' },
    // --tunnel: the receiver stays on loopback; offers carry the tunnel's public URL instead.
    exposeReceiver: tunnel && exposeThrough(ctx, tunnel),
    eventTimeoutMs: durationFlag(options.eventTimeout, '--event-timeout', { min: 1 }),
    timeoutMs: optionalDuration(options.timeout, '--timeout', { min: 1 }),
    allowUnverified: Boolean(options.allowUnverified),
    insecure: Boolean(options.insecure),
    concurrency: integerFlag(options.concurrency, '--concurrency', 1, 32),
  };
  if (options.offerCommand !== undefined) return { ...plan, source: { kind: 'command', command: options.offerCommand } };
  if (!options.sandbox) return { ...plan, source: { kind: 'management', connection: await ctx.connection(options) } };
  const loaded = await ctx.config();
  try {
    return { ...plan, source: { kind: 'sandbox', profiles: loadProfiles(loaded.config.profiles) } };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new ConfigError(`invalid config file ${loaded.file}: ${(error as Error).message}`);
  }
}

/** `sse,webhook` (default), `sse`, `webhook` or `none`. */
function eventsFlag(text: string): CheckPlan['events'] {
  const items = listFlag(text) ?? [];
  if (items.length === 1 && items[0] === 'none') return { sse: false, webhook: false };
  const bad = items.filter((i) => i !== 'sse' && i !== 'webhook');
  if (bad.length || items.length === 0) throw new UsageError(`invalid --events "${text}": use sse,webhook, sse, webhook or none`);
  return { sse: items.includes('sse'), webhook: items.includes('webhook') };
}

/**
 * `--tunnel` with what it cannot serve: usage errors. It makes the webhook receiver public, so it
 * needs one (not `--events sse|none`), one check starts itself (not `--webhook-url`, which names
 * a receiver the issuer already reaches), and an issuer told its URL (not `--offer-command`).
 */
function tunnelUsage(ctx: CommandContext<CheckOptions>, events: CheckPlan['events'], modules: ReadonlySet<string>): void {
  const { options } = ctx;
  if (options.webhookUrl !== undefined) throw new UsageError('--tunnel gives the receiver its public URL itself: give --tunnel or --webhook-url, not both');
  if (!events.webhook)
    throw new UsageError(`--tunnel makes the webhook receiver public, and --events ${options.events} watches no webhook: add webhook to --events, or drop --tunnel`);
  if (options.offerCommand !== undefined)
    throw new UsageError('--tunnel makes the webhook receiver public, and an --offer-command issuer is never told its URL (its events are not watched): drop --tunnel');
  if (!modules.has('issuer-events-events')) ctx.output.warn('--tunnel has no effect: the events module (issuer-events-events) is not run, so no receiver is started');
}

/** The engine's exposeReceiver: the tunnel to the receiver, its status changes on stderr. */
function exposeThrough(ctx: CommandContext<CheckOptions>, tunnel: TunnelPlan): NonNullable<CheckPlan['exposeReceiver']> {
  return async (localUrl, ended) => {
    const exposed = await exposeReceiver(
      tunnel,
      localUrl,
      { label: 'issuer-events check', status: (state, url) => renderTunnelStatus(ctx.output, state, url, "check's webhook receiver") },
      ended,
    );
    return exposed && { url: exposed.publicUrl.url, provider: exposed.publicUrl.provider, close: exposed.close };
  };
}
