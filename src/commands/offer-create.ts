import type { CommandContext } from '../cli/command-context.js';
import { withFlagHint } from '../cli/flag-hints.js';
import { choiceFlag, followFlags, followWarnings, reportTargets, trustAnchorFlags } from '../cli/flags.js';
import { offerCreateFlagChecks, offerRequest } from '../cli/offer-flags.js';
import type { declareOfferCreate, OptionsOf } from '../cli/program.js';
import { CliError, codeForExit, ExitCode } from '../errors.js';
import { assertFetchable, createDispatcher } from '../http/client.js';
import { followTarget, type IssuerConnection } from '../issuer/endpoints.js';
import { createOffer, offerHttpRequest, type OfferRequest } from '../issuer/offers.js';
import { renderRequestPreview } from '../output/renderers/exchange.js';
import { renderErrorRecord } from '../output/renderers/error.js';
import { EventRenderer } from '../output/renderers/events.js';
import { claimCommand, renderNextSteps, renderOffer } from '../output/renderers/offer.js';
import type { IssuanceRecorder } from '../report/issuance.js';
import { type FollowPlan, followSessions } from '../sse/follow.js';
import { ClaimRenderer } from '../output/renderers/claim.js';
import { offerReference } from '../wallet/offer-input.js';
import { tunnelPlan } from '../cli/tunnel-flags.js';
import { renderTunnelRecord, renderTunnelStatus } from '../output/renderers/tunnel.js';
import { escapeLine } from '../shared/escape.js';
import { awaitWebhooks, type WebhookChannel, type WebhookChannelReporter, withWebhookChannel } from '../tunnel/webhook-channel.js';
import { NOTIFY_CHOICES, type NotifyChoice } from '../wallet/notify.js';

type OfferCreateOptions = OptionsOf<typeof declareOfferCreate>;

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
    // The line stderr shows: the engine's words and the flag that changes them.
    if (error instanceof CliError) renderErrorRecord(ctx.output, { code: error.code, message: withFlagHint(error, 'offer create'), exitCode: error.exitCode });
    throw error;
  }
}

async function createAndFollow(ctx: CommandContext<OfferCreateOptions>, events: EventRenderer): Promise<number> {
  const { options, output } = ctx;
  const request = offerRequest(options);
  // Checked even when nothing is followed: a bad value is an error, not something to ignore.
  const followOptions = followFlags(options);
  const follow = options.tail || options.claim ? followOptions : undefined;
  for (const warning of offerCreateFlagChecks(options, ctx.given)) output.warn(warning);
  const tunnel = options.tunnel === undefined && options.tunnelDomain === undefined ? undefined : tunnelPlan(options, await ctx.settings());
  const reports = options.claim && !options.dryRun ? reportTargets(options.junit, ctx.env) : undefined;
  for (const warning of follow ? followWarnings(follow) : []) output.warn(warning);
  // Read before anything is sent: a bad file is a usage error, not a half-done smoke test.
  const trustAnchors = options.claim ? trustAnchorFlags(options.trustAnchor) : [];
  const notify = choiceFlag(options.notify ?? 'accepted', '--notify', NOTIFY_CHOICES);
  const { connectTimeoutMs } = followOptions;
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
  return tunnel ? withWebhookChannel(tunnel, connection, channelReporter(output, events), reported) : reported();
}

/** `--tunnel`: the channel's happenings, rendered beside the stream's events. */
function channelReporter(output: CommandContext<OfferCreateOptions>['output'], events: EventRenderer): WebhookChannelReporter {
  return {
    status: (state, url) => renderTunnelStatus(output, state, url, 'the webhook receiver'),
    exposed: (publicUrl, local) => {
      events.channels = true;
      renderTunnelRecord(output, publicUrl, local);
      output.info(`Webhooks: ${escapeLine(publicUrl.url)} (${publicUrl.provider}) forwards to ${local}, and is the offer's webhook URL`);
    },
    webhook: (event, result) => events.webhook(event, result.record),
    warn: (message) => output.warn(escapeLine(message)),
  };
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
  const webhooks = (code: number): Promise<number> =>
    channel && watch ? awaitWebhooks(channel, watch, code, { warn: (message) => output.warn(escapeLine(message)) }) : Promise.resolve(code);
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
  return webhooks(await claimWhileFollowing({ follow: followPlan, claim }, recorder?.follow(events) ?? events, recorder?.claim(claimed) ?? claimed));
}
