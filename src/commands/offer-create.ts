import type { CommandContext } from '../cli/command-context.js';
import { choiceFlag, durationFlag, followFlags, jsonFlag, optionalUrl, type FollowFlags, type IssuerFlags } from '../cli/flags.js';
import { UsageError } from '../errors.js';
import { createDispatcher } from '../http/client.js';
import { followTarget } from '../issuer/endpoints.js';
import { AUTH_METHODS, VALUE_MODES, createOffer, type OfferRequest } from '../issuer/offers.js';
import { EventRenderer } from '../output/renderers/events.js';
import { renderOffer } from '../output/renderers/offer.js';
import { followSessions } from '../sse/follow.js';

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
}

/** `offer create`: flags → offer request → createOffer → offer renderer (then, with --tail, the follow engine). */
export async function run(ctx: CommandContext<OfferCreateOptions>): Promise<number> {
  const { options, output } = ctx;
  const request = offerRequest(options);
  const follow = options.tail ? followFlags(options) : undefined;
  const connectTimeoutMs = options.connectTimeout ? durationFlag(options.connectTimeout, '--connect-timeout', { min: 1 }) : 10_000;
  const connection = { ...(await ctx.connection(options)), dispatcher: createDispatcher({ connectTimeoutMs }) };
  const spinner = await output.spinner(`Creating ${request.profileId} offer`);
  spinner.start();
  const offer = await createOffer(connection, request).finally(() => spinner.stop());
  await renderOffer(output, offer);
  if (!follow) return 0;
  return followSessions({ ...follow, targets: [followTarget(connection, offer.offerId)] }, new EventRenderer(output));
}

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
    sessionId: options.sessionId,
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
