import type { CommandContext } from '../cli/command-context.js';
import { durationFlag, hmacFlags, instantFlag, schemeFlag } from '../cli/flags.js';
import type { declareVerify, OptionsOf } from '../cli/program.js';
import { deliveryFromCapture } from '../capture/pick.js';
import { ExitCode, UsageError } from '../errors.js';
import { renderVerdict } from '../output/renderers/verdict.js';
import { REDACTED } from '../shared/redact.js';
import { readBytesArgument } from '../shared/input.js';
import { verifyDelivery } from '../webhooks/index.js';
import type { Delivery, Verdict } from '../webhooks/types.js';

type VerifyOptions = OptionsOf<typeof declareVerify>;

/** `verify`: flags → one delivery → verifyDelivery → verdict renderer. Exit 0 valid, 6 invalid. */
export async function run(ctx: CommandContext<VerifyOptions>): Promise<number> {
  const { options, output } = ctx;
  const scheme = schemeFlag(options.scheme);
  const secrets = (await ctx.settings({ webhookSecret: options.secret })).webhookSecrets;
  if (secrets.length === 0 && scheme !== 'none') throw new UsageError('missing --secret (or ISSUER_EVENTS_WEBHOOK_SECRET)');
  const { delivery, receivedAt } = await deliveryOf(options);
  if (scheme === 'bearer' && delivery.headers.authorization === REDACTED) {
    throw new UsageError('the capture redacts the Authorization header, so a bearer token cannot be checked from it; pass --header');
  }
  const hmac = hmacFlags(options);
  // A captured delivery is judged at the time it was received, unless --at says otherwise.
  const clock = options.at !== undefined ? 'at' : receivedAt !== undefined ? 'receivedAt' : 'now';
  const nowMs = clock === 'at' ? instantFlag(options.at!, '--at') : clock === 'receivedAt' ? receivedAt! : Date.now();
  const toleranceSec = Math.round(durationFlag(options.tolerance, '--tolerance') / 1000);
  const verdict = verifyDelivery(delivery, scheme, { secrets, toleranceSec, nowMs, hmac });
  renderVerdict(output, verdict, {
    secrets,
    nowMs,
    toleranceSec,
    clock,
    signatureMatches: signatureMatches(verdict, () => verifyDelivery(delivery, scheme, { secrets, toleranceSec: ANY_TIME, nowMs, hmac })),
  });
  return verdict.accepted && verdict.code === 'valid' ? ExitCode.OK : ExitCode.INVALID_SIGNATURE;
}

/** A tolerance no timestamp is outside: to tell a bad signature from a bad time. */
const ANY_TIME = 1e12;

/** Whether the signature itself matches, whatever the time: known for every verdict but a missing signature. */
function signatureMatches(verdict: Verdict, ignoringTime: () => Verdict): boolean | null {
  if (verdict.code === 'valid') return true;
  if (verdict.code === 'no_match') return false;
  if (verdict.code === 'timestamp_too_old' || verdict.code === 'timestamp_too_new') return ignoringTime().code === 'valid';
  return null;
}

async function deliveryOf(options: VerifyOptions): Promise<{ delivery: Delivery; receivedAt?: number }> {
  let delivery: Delivery;
  let receivedAt: number | undefined;
  if (options.record) {
    const picked = await deliveryFromCapture(options.record);
    delivery = picked.delivery;
    const ms = Date.parse(picked.record.receivedAt);
    if (!Number.isNaN(ms)) receivedAt = ms;
  } else if (options.body === undefined) throw new UsageError('give the delivery with --body <text|@file|-> (and --header), or --record <capture-file>[:<line>]');
  else delivery = { headers: {}, body: readBytesArgument(options.body, '--body') };
  for (const header of options.header ?? []) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw new UsageError(`invalid --header "${header}": expected "name: value"`);
    delivery.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  return { delivery, receivedAt };
}
