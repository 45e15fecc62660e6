import type { CommandContext } from '../cli/command-context.js';
import {
  choiceFlag,
  durationFlag,
  followFlags,
  followWarnings,
  jsonFlag,
  optionalDuration,
  optionalUrl,
  reportTargets,
  sessionIdFlag,
  type FollowFlags,
  type IssuerFlags,
} from '../cli/flags.js';
import { CliError, ExitCode, UsageError } from '../errors.js';
import { assertFetchable, createDispatcher } from '../http/client.js';
import { followTarget, type IssuerConnection } from '../issuer/endpoints.js';
import { AUTH_METHODS, VALUE_MODES, createOffer, offerHttpRequest, type OfferRequest } from '../issuer/offers.js';
import { renderRequestPreview } from '../output/renderers/exchange.js';
import { codeForExit, renderErrorRecord } from '../output/renderers/error.js';
import { EventRenderer } from '../output/renderers/events.js';
import { claimCommand, renderNextSteps, renderOffer } from '../output/renderers/offer.js';
import type { IssuanceRecorder } from '../report/issuance.js';
import { type FollowPlan, followSessions } from '../sse/follow.js';
import { ClaimRenderer } from '../output/renderers/claim.js';
import { offerReference } from '../wallet/offer-input.js';

export interface OfferCreateOptions extends FollowFlags, IssuerFlags {
  profile?: string;
  authMethod?: string;
  issuerStateMode?: string;
  webhookUrl?: string;
  overrides?: string;
  credentialData?: string;
  expiresIn?: string;
  txCode?: boolean | string;
  sessionId?: string;
  valueMode?: string;
  tail?: boolean;
  claim?: boolean;
  claimTxCode?: string;
  invalidProof?: boolean;
  insecure?: boolean;
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
  const reports = options.claim && !options.dryRun ? reportTargets(options.junit) : undefined;
  for (const warning of follow ? followWarnings(follow) : []) output.warn(warning);
  const connectTimeoutMs = options.connectTimeout ? durationFlag(options.connectTimeout, '--connect-timeout', { min: 1 }) : 10_000;
  // --wait-for-server covers the create request too: the issuer may still be starting (CI).
  const waitForServerMs = follow ? follow.waitForServerMs : optionalDuration(options.waitForServer, '--wait-for-server');
  const connection = { ...(await ctx.connection(options)), dispatcher: createDispatcher({ connectTimeoutMs }), waitForServerMs };
  if (options.dryRun) {
    const preview = offerHttpRequest(connection, request);
    renderRequestPreview(output, 'offer-request', { method: 'POST', ...preview });
    return 0;
  }
  // The session is followed with fetch: a port fetch refuses is said before an offer is created.
  if (follow) assertFetchable(connection.baseUrl);
  if (!reports?.junit && !reports?.stepSummary) return issue(ctx, request, connection, follow, events);
  // --junit, or a GitHub Actions step: the smoke test's checks become a JUnit file and a job summary.
  const [{ IssuanceRecorder }, { withReports }] = await Promise.all([import('../report/issuance.js'), import('../report/write.js')]);
  const recorder = new IssuanceRecorder(request.profileId, connection);
  return withReports(
    reports,
    (code, error) => recorder.report(code, error),
    () => issue(ctx, request, connection, follow, events, recorder),
    (message) => output.warn(message),
  );
}

async function issue(
  ctx: CommandContext<OfferCreateOptions>,
  request: OfferRequest,
  connection: IssuerConnection,
  follow: Omit<FollowPlan, 'targets'> | undefined,
  events: EventRenderer,
  recorder?: IssuanceRecorder,
): Promise<number> {
  const { options, output } = ctx;
  const spinner = await output.spinner(`Creating ${request.profileId} offer`);
  spinner.start();
  const create = () => createOffer(connection, request).finally(() => spinner.stop());
  const offer = recorder ? await recorder.create(create, (o) => `session ${o.offerId}`) : await create();
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
  if (!options.claim) return followSessions(followPlan, events);
  const claim = {
    offer: offerReference(offer.credentialOffer, connection),
    // The wallet sends the issuer's code unless told otherwise (a wrong one tests the refusal).
    txCode: options.claimTxCode ?? (offer.txCodeValue as string | undefined),
    invalidProof: options.invalidProof,
    insecure: options.insecure,
  };
  // The wallet stack (OID4VCI client, JOSE, SD-JWT, mdoc) is loaded only when a claim is asked for.
  const { claimWhileFollowing } = await import('../wallet/issuance.js');
  const claimed = new ClaimRenderer(output, { unusedTxCode: '--claim-tx-code ignored: the offer asks for no transaction code (add --tx-code to ask for one)' });
  return claimWhileFollowing({ follow: followPlan, claim }, recorder?.follow(events) ?? events, recorder?.claim(claimed) ?? claimed);
}

// The wallet's options: without --claim there is no wallet to use them.
const CLAIM_ONLY = [
  { name: 'claimTxCode', flag: '--claim-tx-code' },
  { name: 'invalidProof', flag: '--invalid-proof' },
  { name: 'insecure', flag: '--insecure' },
];

function offerRequest(options: OfferCreateOptions): OfferRequest {
  if (!options.profile) throw new UsageError('missing required option --profile <profileId>');
  const authMethod = choiceFlag(options.authMethod?.toUpperCase() ?? 'PRE_AUTHORIZED', '--auth-method', AUTH_METHODS);
  if (options.txCode && authMethod !== 'PRE_AUTHORIZED') throw new UsageError('--tx-code needs --auth-method PRE_AUTHORIZED');
  if (options.issuerStateMode && authMethod !== 'AUTHORIZED') throw new UsageError('--issuer-state-mode needs --auth-method AUTHORIZED');
  return {
    profileId: options.profile,
    authMethod,
    issuerStateMode: options.issuerStateMode?.toUpperCase() as OfferRequest['issuerStateMode'],
    valueMode: options.valueMode === undefined ? undefined : choiceFlag(options.valueMode.toUpperCase(), '--value-mode', VALUE_MODES),
    expiresInSeconds: options.expiresIn === undefined ? undefined : expiryFlag(options.expiresIn),
    txCode: options.txCode,
    sessionId: options.sessionId === undefined ? undefined : sessionIdFlag(options.sessionId, '--session-id'),
    webhookUrl: optionalUrl(options.webhookUrl, '--webhook-url'),
    overrides: jsonFlag(options.overrides, '--overrides'),
    credentialData: jsonFlag(options.credentialData, '--credential-data'),
  };
}

/** `--expires-in 10m|never`: whole seconds, at least 1; `never` is walt.id's -1. */
function expiryFlag(text: string): number {
  if (text === 'never' || text === '-1') return -1;
  return Math.ceil(durationFlag(text, '--expires-in', { min: 1000, max: 100 * 365 * 86_400_000 }) / 1000);
}
