import type { CommandContext } from './context.js';
import { createDispatcher } from '../http/client.js';
import { createOffer, type AuthMethod, type OfferRequest, type OfferResponse, type ValueMode } from '../issuer/offers.js';
import type { IssuerConnection } from '../issuer/endpoints.js';
import { escapeLine } from '../output/escape.js';
import type { Output } from '../output/output.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { readJsonArgument } from '../util/json.js';
import { UsageError } from '../errors.js';
import type { TailCliOptions } from './tail.js';

export interface OfferCreateOptions extends TailCliOptions {
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

export async function run(ctx: CommandContext<OfferCreateOptions>): Promise<number> {
  const { options, output } = ctx;
  if (!options.profile) throw new UsageError('missing required option --profile <profileId>');
  const request = toOfferRequest(options);
  const settings = await ctx.settings({ baseUrl: options.baseUrl, target: options.target, token: options.token });
  const connectTimeoutMs = options.connectTimeout ? parseDuration(options.connectTimeout, '--connect-timeout') : 10_000;
  const connection: IssuerConnection = {
    baseUrl: settings.baseUrl,
    target: settings.target,
    token: settings.token,
    dispatcher: createDispatcher({ connectTimeoutMs }),
  };
  const spinner = await output.spinner(`Creating ${request.profileId} offer`);
  spinner.start();
  let offer: OfferResponse;
  try {
    offer = await createOffer(connection, request);
  } finally {
    spinner.stop();
  }
  if (output.json) output.record(offer);
  else await printOffer(output, offer);
  if (!options.tail) return 0;
  const { tailSessions } = await import('./tail.js');
  return tailSessions(ctx, [offer.offerId], connection);
}

function toOfferRequest(options: OfferCreateOptions): OfferRequest {
  return {
    profileId: options.profile!,
    authMethod: options.authMethod?.toUpperCase() as AuthMethod | undefined,
    issuerStateMode: options.issuerStateMode?.toUpperCase() as OfferRequest['issuerStateMode'],
    valueMode: options.valueMode?.toUpperCase() as ValueMode | undefined,
    expiresInSeconds: options.expiresIn === undefined ? undefined : parseExpiry(options.expiresIn),
    txCode: options.txCode,
    sessionId: options.sessionId,
    webhookUrl: options.webhookUrl === undefined ? undefined : checkUrl(options.webhookUrl, '--webhook-url'),
    overrides: options.overrides === undefined ? undefined : readJsonArgument(options.overrides, '--overrides'),
    credentialData: options.credentialData === undefined ? undefined : readJsonArgument(options.credentialData, '--credential-data'),
  };
}

function parseExpiry(text: string): number {
  if (text === 'never' || text === '-1') return -1;
  return Math.max(1, Math.ceil(parseDuration(text, '--expires-in') / 1000));
}

function checkUrl(value: string, flag: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value;
  } catch {
    // fall through to the error below
  }
  throw new UsageError(`invalid ${flag} "${value}": expected an absolute http(s) URL`);
}

async function printOffer(output: Output, offer: OfferResponse): Promise<void> {
  const c = output.color;
  const label = (name: string): string => c.dim(name.padEnd(9));
  output.data(`${label('Offer')} ${c.bold(escapeLine(offer.offerId))}`);
  if (offer.profileId) output.data(`${label('Profile')} ${escapeLine(String(offer.profileId))}${offer.authMethod ? ` (${escapeLine(String(offer.authMethod))})` : ''}`);
  if (typeof offer.expiresAt === 'number') output.data(`${label('Expires')} ${describeExpiry(offer.expiresAt)}`);
  if (offer.txCodeValue) output.data(`${label('Tx code')} ${escapeLine(String(offer.txCodeValue))}`);
  output.data(`${label('Offer URI')} ${escapeLine(offer.credentialOffer)}`);
  if (output.stdout.isTTY) {
    const { default: QRCode } = await import('qrcode');
    const qr = await QRCode.toString(offer.credentialOffer, { type: 'terminal', small: true, errorCorrectionLevel: 'L' });
    output.data(qr.trimEnd());
  }
}

function describeExpiry(expiresAt: number): string {
  // walt.id sends a far-future instant for "never" (expiresInSeconds -1).
  if (expiresAt > Date.now() + 50 * 365 * 86_400_000) return 'never';
  const remaining = expiresAt - Date.now();
  return `${new Date(expiresAt).toISOString()} (${remaining > 0 ? `in ${formatDuration(remaining)}` : 'expired'})`;
}
