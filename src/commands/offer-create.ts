import { withFlagHint } from '../cli/claim-hints.js';
import type { CommandContext } from '../cli/command-context.js';
import { choiceFlag, durationFlag, followFlags, followWarnings, reportTargets, trustAnchorFlags, type FollowFlags, type IssuerFlags } from '../cli/flags.js';
import { offerRequest, type OfferRequestFlags } from '../cli/offer-flags.js';
import { CliError, ExitCode, UsageError } from '../errors.js';
import { assertFetchable, createDispatcher } from '../http/client.js';
import { followTarget, type IssuerConnection } from '../issuer/endpoints.js';
import { createOffer, offerHttpRequest, type OfferRequest } from '../issuer/offers.js';
import { renderRequestPreview } from '../output/renderers/exchange.js';
import { codeForExit, renderErrorRecord } from '../output/renderers/error.js';
import { EventRenderer } from '../output/renderers/events.js';
import { claimCommand, renderNextSteps, renderOffer } from '../output/renderers/offer.js';
import type { IssuanceRecorder } from '../report/issuance.js';
import { type FollowPlan, followSessions } from '../sse/follow.js';
import { ClaimRenderer } from '../output/renderers/claim.js';
import { offerReference } from '../wallet/offer-input.js';
import { tunnelPlan, type TunnelFlags } from '../cli/tunnel-flags.js';
import { EventHub, type SessionWatch } from '../check/watch.js';
import { serializeRecord } from '../capture/record.js';
import { renderTunnelRecord, renderTunnelStatus } from '../output/renderers/tunnel.js';
import { escapeLine } from '../shared/escape.js';
import { exitCodeForStop, onStop, untilStopped } from '../shared/shutdown.js';
import { formatDuration } from '../shared/duration.js';
import { exposeReceiver, type ExposedReceiver, type TunnelPlan } from '../tunnel/index.js';
import { NOTIFY_CHOICES, type NotifyChoice } from '../wallet/notify.js';

interface OfferCreateOptions extends FollowFlags, IssuerFlags, OfferRequestFlags, TunnelFlags {
  tail?: boolean;
  claim?: boolean;
  claimTxCode?: string;
  invalidProof?: boolean;
  notify?: string;
  insecure?: boolean;
  trustAnchor?: string[];
  allowUnverified?: boolean;
  dryRun?: boolean;
  junit?: string;
}

/** `offer create`: flags → offer request → createOffer → offer renderer (then, with --tail, the follow engine). */
export async function run(ctx: CommandContext<OfferCreateOptions>): Promise<number> {
  const events = new EventRenderer(ctx.output);
  if (!(ctx.options.claim && ctx.output.json)) return createAndFollow(ctx, events);
  // A smoke test's NDJSON mixes offer, events and claim: a failed run ends it with an error
  // record, so that stdout alone tells a script why (a plain --json create prints one object or nothing).
  try {
    const code = await createAndFollow(ctx, events);
    if (code !== ExitCode.OK) renderErrorRecord(ctx.output, { code: codeForExit(code), message: events.lastFailure ?? `exit code ${code}`, exitCode: code });
    return code;
  } catch (error) {
    if (error instanceof CliError) renderErrorRecord(ctx.output, error);
    throw error;
  }
}

async function createAndFollow(ctx: CommandContext<OfferCreateOptions>, events: EventRenderer): Promise<number> {
  const { options, output } = ctx;
  const request = offerRequest(options);
  // Checked even when nothing is followed: a bad value is an error, not something to ignore.
  const followOptions = followFlags(options);
  const follow = options.tail || options.claim ? followOptions : undefined;
  for (const flag of CLAIM_ONLY) if (!options.claim && ctx.given(flag.name)) output.warn(`${flag.flag} has no effect without --claim`);
  if (options.junit !== undefined && !options.claim) throw new UsageError('--junit needs --claim: the report is of the issuance smoke test');
  const tunnel = options.tunnel === undefined && options.tunnelDomain === undefined ? undefined : tunnelPlan(options, await ctx.settings());
  if (tunnel) {
    if (!follow) throw new UsageError('--tunnel needs --claim or --tail: the webhooks are received while the session is followed');
    if (options.webhookUrl !== undefined) throw new UsageError("--tunnel sets the offer's webhook URL itself: give --tunnel or --webhook-url, not both");
    if (options.dryRun) throw new UsageError('--dry-run sends nothing, so it opens no tunnel: drop --tunnel (--webhook-url shows a webhook in the preview)');
  }
  const reports = options.claim && !options.dryRun ? reportTargets(options.junit) : undefined;
  for (const warning of follow ? followWarnings(follow) : []) output.warn(warning);
  // Read before anything is sent: a bad file is a usage error, not a half-done smoke test.
  const trustAnchors = options.claim ? trustAnchorFlags(options.trustAnchor) : [];
  const notify = choiceFlag(options.notify ?? 'accepted', '--notify', NOTIFY_CHOICES);
  const connectTimeoutMs = options.connectTimeout ? durationFlag(options.connectTimeout, '--connect-timeout', { min: 1 }) : 10_000;
  // --wait-for-server covers the create request too: the issuer may still be starting (CI).
  const waitForServerMs = followOptions.waitForServerMs;
  const connection = { ...(await ctx.connection(options)), dispatcher: createDispatcher({ connectTimeoutMs }), waitForServerMs };
  if (options.dryRun) {
    const preview = offerHttpRequest(connection, request);
    renderRequestPreview(output, 'offer-request', { method: 'POST', ...preview });
    return 0;
  }
  // The session is followed with fetch: a port fetch refuses is said before an offer is created.
  if (follow) assertFetchable(connection.baseUrl);
  const reported = async (channel?: WebhookChannel): Promise<number> => {
    if (!reports?.junit && !reports?.stepSummary) return issue(ctx, request, connection, follow, events, { trustAnchors, notify }, undefined, channel);
    // --junit, or a GitHub Actions step: the smoke test's checks become a JUnit file and a job summary.
    const [{ IssuanceRecorder }, { withReports }] = await Promise.all([import('../report/issuance.js'), import('../report/write.js')]);
    const recorder = new IssuanceRecorder(request.profileId, connection);
    return withReports(
      reports,
      (code, error) => recorder.report(code, error),
      () => issue(ctx, request, connection, follow, events, { trustAnchors, notify }, recorder, channel),
      (message) => output.warn(message),
    );
  };
  return tunnel ? withWebhookChannel(ctx, tunnel, connection, events, reported) : reported();
}

/** `--tunnel`: the webhook receiver the offer's webhook override points at, public through the tunnel. */
interface WebhookChannel {
  /** The public URL: the offer's `runtimeOverrides.notifications.webhook.url`. */
  url: string;
  hub: EventHub;
}

/** How long, after the session ended, its webhooks may still arrive: the issuer sends them on its own schedule. */
const WEBHOOK_GRACE_MS = 5000;

/**
 * `--tunnel`: check's webhook receiver (its EventHub, the webhook channel only) on loopback, made
 * public through the tunnel before the offer is created; every event it receives is printed with
 * the stream's. Receiver, then tunnel, are closed when the work is done. A stop while the tunnel
 * connects ends the command at once (130, or 143: a condition is awaited).
 */
async function withWebhookChannel(
  ctx: CommandContext<OfferCreateOptions>,
  plan: TunnelPlan,
  connection: IssuerConnection,
  events: EventRenderer,
  work: (channel: WebhookChannel) => Promise<number>,
): Promise<number> {
  const { output } = ctx;
  const hub = new EventHub({
    connection,
    sse: false,
    webhook: true,
    receiver: { host: '127.0.0.1', port: 0, path: '/hooks' },
    onWebhook: (event, result) => events.webhook(event, result.record, result.line ?? serializeRecord(result.record)),
  });
  await hub.start();
  const local = hub.localWebhookUrl!;
  let release!: (code: number) => void;
  const stopped = untilStopped({ awaiting: () => true, other: new Promise<number>((resolve) => (release = resolve)) });
  let exposed: ExposedReceiver | undefined;
  try {
    exposed = await exposeReceiver(
      plan,
      local,
      { label: 'issuer-events offer create', status: (state, url) => renderTunnelStatus(output, state, url, 'the webhook receiver') },
      stopped,
    );
  } finally {
    // The signal handlers are released (a stop that came first keeps its code).
    release(ExitCode.OK);
    if (!exposed) await hub.close();
  }
  if (!exposed) return stopped;
  events.channels = true;
  renderTunnelRecord(output, exposed.publicUrl, local);
  output.info(`Webhooks: ${escapeLine(exposed.publicUrl.url)} (${exposed.publicUrl.provider}) forwards to ${local}, and is the offer's webhook URL`);
  try {
    return await work({ url: exposed.publicUrl.url, hub });
  } finally {
    // The receiver drains first (its answers still go back through the tunnel), then the tunnel closes.
    await hub.close();
    await exposed.close();
  }
}

/**
 * After the session ended: its webhooks may still be on their way (the terminal one last). Waits
 * for the terminal event on the webhook channel, at most WEBHOOK_GRACE_MS; none at all is said.
 */
async function awaitWebhooks(ctx: CommandContext<OfferCreateOptions>, channel: WebhookChannel, watch: SessionWatch, code: number): Promise<number> {
  // A session that did not end (a refused step, a timeout) sends no terminal webhook to wait for.
  if (code !== ExitCode.OK && code !== ExitCode.UNSUCCESSFUL) return code;
  let stopCode: number | undefined;
  const dispose = onStop((reason) => {
    stopCode = exitCodeForStop(reason, true);
    watch.close();
  });
  const deadline = performance.now() + WEBHOOK_GRACE_MS;
  try {
    while (stopCode === undefined && !watch.events.some((seen) => seen.event.terminal)) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await watch.next(left);
    }
  } finally {
    dispose();
    channel.hub.forget(watch.sessionId);
  }
  if (stopCode !== undefined) return stopCode;
  if (watch.events.length === 0) {
    ctx.output.warn(
      `no webhook arrived through ${escapeLine(channel.url)} within ${formatDuration(WEBHOOK_GRACE_MS)} of the session's end: the issuer did not call the offer's webhook URL (is its webhook channel enabled?)`,
    );
  }
  return code;
}

async function issue(
  ctx: CommandContext<OfferCreateOptions>,
  request: OfferRequest,
  connection: IssuerConnection,
  follow: Omit<FollowPlan, 'targets'> | undefined,
  events: EventRenderer,
  wallet: { trustAnchors: Uint8Array[]; notify: NotifyChoice },
  recorder?: IssuanceRecorder,
  channel?: WebhookChannel,
): Promise<number> {
  const { options, output } = ctx;
  const spinner = await output.spinner(`Creating ${request.profileId} offer`);
  spinner.start();
  const sent = channel ? { ...request, webhookUrl: channel.url } : request;
  const create = () => createOffer(connection, sent).finally(() => spinner.stop());
  const offer = recorder ? await recorder.create(create, (o) => `session ${o.offerId}`) : await create();
  // Webhooks that came before the 201 (walt.id's credential_offer_created) are kept for it.
  const watch = channel ? await channel.hub.watch(offer.offerId) : undefined;
  const webhooks = (code: number): Promise<number> => (channel && watch ? awaitWebhooks(ctx, channel, watch, code) : Promise.resolve(code));
  await renderOffer(output, offer);
  const issuerArgs = options.baseUrl ? ` --base-url ${options.baseUrl}` : '';
  if (!follow) {
    if (!output.json) renderNextSteps(output, offer, issuerArgs);
    return 0;
  }
  // Followed from its creation, a silent session is one no wallet has fetched yet (--claim's
  // own steps say how far the wallet got).
  const silenceHint = options.claim ? undefined : `no wallet has fetched the offer yet — claim it with ${claimCommand(offer, issuerArgs)}, or use --claim`;
  const followPlan = { ...follow, targets: [followTarget(connection, offer.offerId)], trace: connection.trace, silenceHint };
  if (!options.claim) return webhooks(await followSessions(followPlan, events));
  const claim = {
    offer: offerReference(offer.credentialOffer, connection),
    // The wallet sends the issuer's code unless told otherwise (a wrong one tests the refusal).
    txCode: options.claimTxCode ?? (offer.txCodeValue as string | undefined),
    invalidProof: options.invalidProof,
    notify: wallet.notify,
    allowUnverified: options.allowUnverified,
    insecure: options.insecure,
    trustAnchors: wallet.trustAnchors,
  };
  // The wallet stack (OID4VCI client, JOSE, SD-JWT, mdoc) is loaded only when a claim is asked for.
  const { claimWhileFollowing } = await import('../wallet/issuance.js');
  const claimed = new ClaimRenderer(output, { unusedTxCode: '--claim-tx-code ignored: the offer asks for no transaction code (add --tx-code to ask for one)' });
  const code = await claimWhileFollowing({ follow: followPlan, claim }, recorder?.follow(events) ?? events, recorder?.claim(claimed) ?? claimed).catch((error: unknown) => {
    throw withFlagHint(error);
  });
  return webhooks(code);
}

// The wallet's options: without --claim there is no wallet to use them.
const CLAIM_ONLY = [
  { name: 'claimTxCode', flag: '--claim-tx-code' },
  { name: 'invalidProof', flag: '--invalid-proof' },
  { name: 'notify', flag: '--notify' },
  { name: 'insecure', flag: '--insecure' },
  { name: 'trustAnchor', flag: '--trust-anchor' },
  { name: 'allowUnverified', flag: '--allow-unverified' },
];
