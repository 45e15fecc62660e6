import type { CommandContext } from '../cli/command-context.js';
import { durationFlag, hmacFlags, instantFlag, schemeFlag, type HmacFlags } from '../cli/flags.js';
import { deliveryFromCapture } from '../capture/pick.js';
import { ExitCode, UsageError } from '../errors.js';
import { renderVerdict } from '../output/renderers/verdict.js';
import { REDACTED } from '../output/redact.js';
import { readBytesArgument } from '../shared/input.js';
import { verifyDelivery } from '../webhooks/index.js';
import type { Delivery } from '../webhooks/types.js';

export interface VerifyOptions extends HmacFlags {
  scheme: string;
  secret?: string[];
  header?: string[];
  body?: string;
  record?: string;
  at?: string;
  tolerance: string;
}

/** `verify`: flags → one delivery → verifyDelivery → verdict renderer. Exit 0 valid, 6 invalid. */
export async function run(ctx: CommandContext<VerifyOptions>): Promise<number> {
  const { options, output } = ctx;
  const scheme = schemeFlag(options.scheme);
  const secrets = (await ctx.settings({ webhookSecret: options.secret })).webhookSecrets;
  if (secrets.length === 0 && scheme !== 'none') throw new UsageError('missing --secret (or ISSUER_EVENTS_WEBHOOK_SECRET)');
  const delivery = deliveryOf(options);
  if (scheme === 'bearer' && delivery.headers.authorization === REDACTED) {
    throw new UsageError('the capture redacts the Authorization header, so a bearer token cannot be checked from it; pass --header');
  }
  const hmac = hmacFlags(options);
  const nowMs = options.at === undefined ? Date.now() : instantFlag(options.at, '--at');
  const toleranceSec = Math.round(durationFlag(options.tolerance, '--tolerance') / 1000);
  const verdict = verifyDelivery(delivery, scheme, { secrets, toleranceSec, nowMs, hmac });
  renderVerdict(output, verdict, { secrets, nowMs, toleranceSec });
  return verdict.ok && verdict.code === 'valid' ? ExitCode.OK : ExitCode.INVALID_SIGNATURE;
}

function deliveryOf(options: VerifyOptions): Delivery {
  let delivery: Delivery;
  if (options.record) delivery = deliveryFromCapture(options.record).delivery;
  else if (options.body === undefined) throw new UsageError('give the delivery with --body <text|@file|-> (and --header), or --record <capture-file>[:<line>]');
  else delivery = { headers: {}, body: readBytesArgument(options.body, '--body') };
  for (const header of options.header ?? []) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw new UsageError(`invalid --header "${header}": expected "name: value"`);
    delivery.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  return delivery;
}
