import { CliError, ExitCode } from '../errors.js';
import { createDispatcher } from '../http/client.js';
import { exitCodeForStop, onStop } from '../shared/shutdown.js';
import type { IssuerConnection } from '../issuer/endpoints.js';
import type { CheckResult } from '../report/checks.js';
import type { HttpExchange } from '../wallet/transport.js';
import { type Discovery, discover } from './discovery.js';
import { Flow, FlowError } from './flow.js';
import { CheckHttp } from './http.js';
import { MODULES, type ModuleName, moduleIndex } from './modules.js';
import { CommandOffers, ManagementOffers, OfferError, type OfferSource } from './offers.js';
import { fail, type RankedResult, Recorder, skip } from './results.js';
import type { Scenario } from './scenario.js';
import { CREDENTIAL_REFUSALS } from './scenarios/credential-refusals.js';
import { EVENTS_SPEC, judgeEvents } from './scenarios/events.js';
import { HAPPY } from './scenarios/happy.js';
import { checkMetadata } from './scenarios/metadata.js';
import { TOKEN_REFUSALS } from './scenarios/token-refusals.js';
import { type Channel, EventHub, type SessionWatch } from './watch.js';

/** Every scenario run per profile, in report order. */
const SCENARIOS: readonly Scenario[] = [...HAPPY, ...CREDENTIAL_REFUSALS, ...TOKEN_REFUSALS];

/** What to check and how: the engine's whole configuration (no flags here). */
export interface CheckPlan {
  /** Where offers come from: walt.id's management API, an embedded sandbox, or a shell command. */
  source:
    | { kind: 'management'; connection: IssuerConnection }
    | { kind: 'sandbox'; profiles: Map<string, import('../sandbox/profiles.js').SandboxProfile> }
    | { kind: 'command'; command: string };
  /** Profiles to check (default: every one the issuer has). */
  profiles?: readonly string[];
  modules: ReadonlySet<ModuleName>;
  /** Event channels to watch (walt.id issuers only). */
  events: { sse: boolean; webhook: boolean };
  /** Where the webhook receiver listens, and the URL the issuer is told (`--webhook-url`). */
  receiver: { host: string; port: number; path: string; publicUrl?: string };
  /**
   * Makes the receiver reachable from the issuer (`--tunnel`: a public https URL forwarding to the
   * local receiver): resolves the URL to put in offers and the close that ends it, or undefined
   * when `ended` (the run stopped, or its --timeout passed) settles first.
   */
  exposeReceiver?: (localUrl: string, ended: Promise<unknown>) => Promise<{ url: string; provider: string; close(): Promise<void> } | undefined>;
  eventTimeoutMs: number;
  /** The whole run; when it passes the results so far are returned with `timedOut`. */
  timeoutMs?: number;
  allowUnverified: boolean;
  /** Plain http to hosts other than loopback. */
  insecure: boolean;
  /** Scenarios in flight at once. */
  concurrency: number;
}

export interface CheckReporter {
  started?(info: { subject: string; profiles: readonly string[]; scenarios: number; webhookUrl?: string; localWebhookUrl?: string; tunnel?: string }): void;
  progress?(done: number, total: number): void;
  exchange?(exchange: HttpExchange): void;
}

export interface LatencySummary {
  p50: number;
  max: number;
}

export interface CheckOutcome {
  subject: string;
  /** The exit code of a stop (SIGINT 130, SIGTERM 143, a closed stdout 0) that ended the run early. */
  stoppedWith?: number;
  results: CheckResult[];
  latency: Record<Channel, LatencySummary | null>;
  startedAt: string;
  ms: number;
  timedOut: boolean;
}

/** One unit of work: the issuer-wide metadata checks, or one scenario for one profile. */
type Job = { kind: 'metadata' } | { kind: 'scenario'; scenario: Scenario; scenarioRank: number; profile: string; profileRank: number };

/**
 * `check`: drives an issuer scenario by scenario as the conformance suite's OID4VCI 1.0 issuer
 * test plan does, with the wallet's transport, and watches every scenario's session on both
 * event channels. Scenarios run concurrently (bounded); the report's order is the module table's.
 */
export async function runCheck(plan: CheckPlan, reporter: CheckReporter = {}): Promise<CheckOutcome> {
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const dispatcher = createDispatcher({ connectTimeoutMs: 10_000 });
  const http = new CheckHttp({ dispatcher, insecure: plan.insecure, onExchange: reporter.exchange?.bind(reporter) });
  const discoveries = new Map<string, Promise<Discovery>>();
  const discoverIssuer = (issuerId: string): Promise<Discovery> => {
    let found = discoveries.get(issuerId);
    if (!found) discoveries.set(issuerId, (found = discover(http, issuerId)));
    return found;
  };
  const sandbox = plan.source.kind === 'sandbox' ? await startSandbox(plan.source.profiles) : undefined;
  const connection = plan.source.kind === 'management' ? plan.source.connection : sandbox ? { baseUrl: sandbox.url } : undefined;
  const source: OfferSource = connection
    ? new ManagementOffers({ ...connection, dispatcher })
    : new CommandOffers((plan.source as { command: string }).command, http, discoverIssuer);
  const subject = sandbox ? `embedded sandbox at ${sandbox.url}` : source.subject;
  let hub: EventHub | undefined;
  const ranked: RankedResult[] = [];
  const latencies: Record<Channel, number[]> = { sse: [], webhook: [] };
  const stop = { stopped: false };
  let exposed: { url: string; provider: string; close(): Promise<void> } | undefined;
  let endRun!: () => void;
  const ended = new Promise<void>((resolve) => (endRun = resolve));
  const work = async (): Promise<void> => {
    const profiles = await source.profiles(plan.profiles);
    const watching = source.hasEvents && (plan.events.sse || plan.events.webhook) && plan.modules.has('issuer-events-events');
    if (watching && connection) {
      hub = new EventHub({ connection: { ...connection, dispatcher }, sse: plan.events.sse, webhook: plan.events.webhook, receiver: plan.receiver });
      await hub.start();
      if (plan.exposeReceiver && hub.localWebhookUrl) {
        exposed = await plan.exposeReceiver(hub.localWebhookUrl, ended);
        // Stopped (or out of time) while the tunnel connected: the run is over.
        if (!exposed) return;
        if (stop.stopped) return void (await exposed.close());
        hub.webhookUrl = exposed.url;
      }
    }
    const jobs: Job[] = plan.modules.has('oid4vci-1_0-issuer-metadata-test') ? [{ kind: 'metadata' }] : [];
    profiles.forEach((profile, profileRank) => {
      SCENARIOS.forEach((scenario, scenarioRank) => {
        if (scenario.modules.some((m) => plan.modules.has(m)) || hub) jobs.push({ kind: 'scenario', scenario, scenarioRank, profile, profileRank });
      });
      if (!hub && plan.modules.has('issuer-events-events')) {
        const why = !source.hasEvents
          ? 'the issuer is not driven through a management API: its event channels are unknown (--offer-command)'
          : 'no event channel is watched (--events none)';
        recorder(ranked, profile, profileRank, 0).add('issuer-events-events', 'events', skip(why), EVENTS_SPEC);
      }
    });
    reporter.started?.({ subject, profiles, scenarios: jobs.length, webhookUrl: hub?.webhookUrl, localWebhookUrl: hub?.localWebhookUrl, tunnel: exposed?.provider });
    let done = 0;
    await pool(jobs, plan.concurrency, stop, async (job) => {
      if (job.kind === 'metadata') {
        const record = recorder(ranked, null, -1, 0);
        await checkMetadata(await discoverIssuer(await source.issuerId()), http, (check, finding, spec, ms) =>
          record.add('oid4vci-1_0-issuer-metadata-test', check, finding, spec, ms),
        );
      } else {
        await runScenario(job, { plan, source, http, discoverIssuer, hub, ranked, latencies });
      }
      reporter.progress?.(++done, jobs.length);
    });
  };
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  let stoppedWith: number | undefined;
  let disposeStop: (() => void) | undefined;
  try {
    // --timeout bounds the whole run, from the first request to the issuer: the checks done so far are the report.
    const deadline = new Promise<'timeout'>((resolve) => {
      if (plan.timeoutMs !== undefined) timer = setTimeout(() => resolve('timeout'), plan.timeoutMs);
    });
    // The shutdown policy: SIGINT 130, SIGTERM 143 (a condition, the report, is awaited); the checks so far are reported.
    const stopped = new Promise<'stopped'>((resolve) => {
      disposeStop = onStop((reason) => {
        stoppedWith = exitCodeForStop(reason, true);
        resolve('stopped');
      });
    });
    const first = await Promise.race([work().then(() => 'done' as const), deadline, stopped]);
    timedOut = first === 'timeout';
    stop.stopped = true;
    return {
      subject,
      stoppedWith,
      results: sortResults(ranked),
      latency: { sse: summarize(hub, 'sse', latencies.sse), webhook: summarize(hub, 'webhook', latencies.webhook) },
      startedAt,
      ms: performance.now() - started,
      timedOut,
    };
  } finally {
    clearTimeout(timer);
    disposeStop?.();
    endRun();
    // After --timeout or a stop, requests still in flight are cut (close() would wait for an issuer that hangs).
    if (timedOut || stoppedWith !== undefined) await dispatcher.destroy().catch(() => {});
    // The receiver drains first (its answers still go back through the tunnel), then the tunnel closes.
    await hub?.close();
    await exposed?.close();
    await sandbox?.close();
    await dispatcher.close().catch(() => {});
  }
}

interface RunContext {
  plan: CheckPlan;
  source: OfferSource;
  http: CheckHttp;
  discoverIssuer(issuerId: string): Promise<Discovery>;
  hub?: EventHub;
  ranked: RankedResult[];
  latencies: Record<Channel, number[]>;
}

function recorder(ranked: RankedResult[], profile: string | null, profileRank: number, scenarioRank: number): Recorder {
  return new Recorder(ranked, profile, profileRank, scenarioRank, moduleIndex);
}

async function runScenario(job: Extract<Job, { kind: 'scenario' }>, context: RunContext): Promise<void> {
  const { plan, source, hub } = context;
  const { scenario, profile } = job;
  const record = recorder(context.ranked, profile, job.profileRank, job.scenarioRank);
  const modules = scenario.modules.filter((m) => plan.modules.has(m));
  const recorded = new Set<ModuleName>();
  const add = (module: ModuleName, check: string, finding: Parameters<Recorder['add']>[2], spec: string | null, ms?: number): void => {
    if (!plan.modules.has(module)) return;
    recorded.add(module);
    record.add(module, check, finding, spec, ms);
  };
  const issuerWide = await context.discoverIssuer(await source.issuerId());
  const notApplicable = scenario.skipUnless?.(issuerWide);
  if (notApplicable !== undefined) {
    for (const module of modules) add(module, 'applies', skip(notApplicable), null);
    return;
  }
  let handle: Awaited<ReturnType<OfferSource['create']>>;
  try {
    handle = await source.create({ profile, scenario: scenario.modules[0], txCode: Boolean(scenario.txCode), webhookUrl: hub?.webhookUrl });
  } catch (error) {
    if (!(error instanceof OfferError)) throw error;
    for (const module of modules) add(module, 'offer', error.skip ? skip(error.message) : fail(error.message), null);
    return;
  }
  let watch: SessionWatch | undefined;
  if (hub && handle.sessionId) watch = await hub.watch(handle.sessionId);
  const flow = new Flow(context.http, context.discoverIssuer, handle, source.configurationOf(profile));
  let stopped: string | undefined;
  try {
    await scenario.run({ flow, record: add, selected: (m) => plan.modules.has(m), allowUnverified: plan.allowUnverified });
  } catch (error) {
    if (error instanceof CliError) throw error;
    stopped = error instanceof FlowError ? error.step : 'an internal error';
    const [check, detail] = error instanceof FlowError ? [error.step, error.detail] : ['internal error', `check itself failed: ${(error as Error).message}`];
    add(scenario.modules[0], check, fail(detail), null);
  }
  // A module the scenario never got to (or that did not apply) says so: never an empty module.
  for (const module of modules) {
    if (recorded.has(module)) continue;
    const entry = MODULES.find((m) => m.name === module)!;
    add(module, 'applies', skip(stopped ? `not reached: the flow stopped at ${stopped}` : `not run: applies when ${entry.appliesWhen}`), null);
  }
  if (!watch || !hub) return;
  try {
    const judged = await judgeEvents(watch, flow.happenings, hub, plan.eventTimeoutMs);
    for (const check of judged.checks) record.add('issuer-events-events', `${scenario.label}: ${check.check}`, check.finding, EVENTS_SPEC, check.ms);
    context.latencies.sse.push(...judged.latency.sse);
    context.latencies.webhook.push(...judged.latency.webhook);
  } finally {
    hub.forget(watch.sessionId);
  }
}

/** Runs jobs `limit` at a time, in order, until they are done or `stop.stopped`; the first error stops the others and is thrown. */
async function pool<T>(items: readonly T[], limit: number, stop: { stopped: boolean }, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!stop.stopped && !failure && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
}

function sortResults(ranked: readonly RankedResult[]): CheckResult[] {
  return [...ranked]
    .sort((a, b) => {
      for (let i = 0; i < 4; i++) if (a.rank[i] !== b.rank[i]) return a.rank[i]! - b.rank[i]!;
      return 0;
    })
    .map((r) => r.result);
}

function summarize(hub: EventHub | undefined, channel: Channel, values: number[]): LatencySummary | null {
  if (!hub?.channels.includes(channel)) return null;
  if (values.length === 0) return { p50: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: Math.round(sorted[Math.floor((sorted.length - 1) / 2)]!), max: Math.round(sorted.at(-1)!) };
}

/** `check --sandbox`: the embedded issuer on a free loopback port, with the current generation of event names. */
async function startSandbox(profiles: Map<string, import('../sandbox/profiles.js').SandboxProfile>): Promise<{ url: string; close(): Promise<void> }> {
  const { SandboxIssuer } = await import('../sandbox/server.js');
  const sandbox = new SandboxIssuer({ host: '127.0.0.1', port: 0, profiles, eventNames: 'current' });
  await sandbox.start();
  return sandbox;
}

/** The run's exit code (CONTRACT.md, `check`): a stop's (130, 143), 124 when --timeout passed, 1 when a check failed, else 0 (warnings pass). */
export function checkExitCode(outcome: Pick<CheckOutcome, 'results' | 'timedOut' | 'stoppedWith'>): number {
  if (outcome.stoppedWith !== undefined) return outcome.stoppedWith;
  if (outcome.timedOut) return ExitCode.TIMEOUT;
  return outcome.results.some((r) => r.status === 'fail') ? ExitCode.FAILURE : ExitCode.OK;
}
