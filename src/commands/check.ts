import type { CommandContext } from '../cli/command-context.js';
import { durationFlag, type IssuerFlags, integerFlag, listFlag, optionalDuration, reportTargets, urlFlag } from '../cli/flags.js';
import type { CheckOutcome, CheckPlan } from '../check/engine.js';
import { MODULE_NAMES, selectModules } from '../check/modules.js';
import { CliError, ConfigError, UsageError } from '../errors.js';
import { CheckRenderer } from '../output/renderers/check.js';
import type { RunReport } from '../report/checks.js';
import { loadProfiles } from '../sandbox/profiles.js';
import { formatDuration } from '../shared/duration.js';

export interface CheckOptions extends IssuerFlags {
  profile?: string[];
  only?: string;
  skip?: string;
  events?: string;
  webhookUrl?: string;
  offerCommand?: string;
  eventTimeout?: string;
  timeout?: string;
  allowUnverified?: boolean;
  insecure?: boolean;
  concurrency?: string;
  junit?: string;
  sandbox?: boolean;
}

/** `check`: flags → check plan → runCheck → check renderer (and the JUnit report and job summary). */
export async function run(ctx: CommandContext<CheckOptions>): Promise<number> {
  const { options, output } = ctx;
  const plan = await checkPlan(ctx);
  const reports = reportTargets(options.junit);
  const renderer = new CheckRenderer(output);
  const [{ runCheck, checkExitCode }, { withReports }] = await Promise.all([import('../check/engine.js'), import('../report/write.js')]);
  let outcome: CheckOutcome | undefined;
  const work = async (): Promise<number> => {
    await renderer.start();
    outcome = await runCheck(plan, renderer);
    renderer.report(outcome);
    if (outcome.stoppedWith === undefined && outcome.timedOut)
      output.error(`check did not finish within ${formatDuration(plan.timeoutMs!)} (--timeout): the report holds the checks done so far`);
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
  const plan: Omit<CheckPlan, 'source'> = {
    profiles: options.profile,
    modules: selected,
    events: eventsFlag(options.events),
    // The issuer is told --webhook-url (a Docker host name, a tunnel); the receiver listens on its port, on every interface.
    receiver: webhookUrl
      ? { host: '0.0.0.0', port: Number(webhookUrl.port || 0), path: webhookUrl.pathname, publicUrl: webhookUrl.href }
      : { host: '127.0.0.1', port: 0, path: '/hooks' },
    // --tunnel (a public https URL forwarding to the receiver) plugs in here as plan.exposeReceiver.
    eventTimeoutMs: durationFlag(options.eventTimeout ?? '10s', '--event-timeout', { min: 1 }),
    timeoutMs: optionalDuration(options.timeout, '--timeout', { min: 1 }),
    allowUnverified: Boolean(options.allowUnverified),
    insecure: Boolean(options.insecure),
    concurrency: integerFlag(options.concurrency ?? '4', '--concurrency', 1, 32),
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
function eventsFlag(text: string | undefined): CheckPlan['events'] {
  const items = listFlag(text ?? 'sse,webhook') ?? [];
  if (items.length === 1 && items[0] === 'none') return { sse: false, webhook: false };
  const bad = items.filter((i) => i !== 'sse' && i !== 'webhook');
  if (bad.length || items.length === 0) throw new UsageError(`invalid --events "${text}": use sse,webhook, sse, webhook or none`);
  return { sse: items.includes('sse'), webhook: items.includes('webhook') };
}
