import { writeFileSync } from 'node:fs';
import { readStdinSync } from '../shared/input.js';
import { terminalSafeJson } from '../shared/json-safety.js';
import type { CommandContext } from '../cli/command-context.js';
import { choiceFlag, optionalDuration, trustAnchorFlags } from '../cli/flags.js';
import type { declareClaim, OptionsOf } from '../cli/program.js';
import { ExitCode, UsageError } from '../errors.js';
import { createDispatcher } from '../http/client.js';
import { ClaimRenderer } from '../output/renderers/claim.js';
import { type ClaimResult, claimOffer } from '../wallet/claim.js';
import { NOTIFY_CHOICES } from '../wallet/notify.js';
import { ClaimError, UntrustedCredentialError } from '../wallet/errors.js';
import { offerReference } from '../wallet/offer-input.js';

type ClaimOptions = OptionsOf<typeof declareClaim>;

/** `claim <offer>`: flags → claim plan → claimOffer (the OID4VCI test wallet) → claim renderer. */
export async function run(ctx: CommandContext<ClaimOptions>, arg: string): Promise<number> {
  const { options, output } = ctx;
  if (!arg) throw new UsageError('missing offer: pass an openid-credential-offer:// URI, an offer URL, an offer id, or - to read offer create --json from stdin');
  const notify = choiceFlag(options.notify ?? 'accepted', '--notify', NOTIFY_CHOICES);
  const trustAnchors = trustAnchorFlags(options.trustAnchor);
  const timeoutMs = optionalDuration(options.timeout, '--timeout', { min: 1 });
  const requestTimeoutMs = optionalDuration(options.requestTimeout, '--request-timeout', { min: 1 });
  const fromStdin = arg === '-' ? offerFromCreateOutput(readStdinSync().toString('utf8')) : undefined;
  const connection = await ctx.connection(options);
  const renderer = new ClaimRenderer(output);
  const dispatcher = createDispatcher({ connectTimeoutMs: 10_000 });
  try {
    const result = await claimOffer(
      {
        offer: offerReference(fromStdin?.offer ?? arg, connection),
        txCode: options.txCode ?? fromStdin?.txCodeValue,
        credentialConfigurationIds: options.credential,
        holderKeyFile: options.holderKey,
        invalidProof: options.invalidProof,
        notify,
        allowUnverified: options.allowUnverified,
        insecure: options.insecure,
        trustAnchors,
        timeoutMs,
        requestTimeoutMs,
        dispatcher,
      },
      renderer,
    );
    renderer.result(result);
    if (options.saveCredential) writeFileSync(options.saveCredential, `${result.credentials.map((c) => c.raw).join('\n')}\n`, { mode: 0o600 });
    return ExitCode.OK;
  } catch (error) {
    // What was received is shown beside why it cannot be trusted.
    if (error instanceof UntrustedCredentialError) renderer.result(error.result as ClaimResult, true);
    if (error instanceof ClaimError && error.oauthError) output.debug(`issuer said: ${terminalSafeJson(JSON.stringify(error.oauthError))}`);
    throw error;
  } finally {
    await dispatcher.close().catch(() => {});
  }
}

/** `offer create --json | claim -`: the offer URI and its tx code from the issuer's 201 object. */
function offerFromCreateOutput(text: string): { offer: string; txCodeValue?: string } {
  const line = text.split('\n').find((l) => l.trim().startsWith('{'));
  let parsed: unknown;
  try {
    parsed = JSON.parse(line ?? text);
  } catch {
    throw new UsageError('stdin is not the JSON that offer create --json prints');
  }
  const object = parsed as { kind?: unknown; message?: unknown; credentialOffer?: unknown; txCodeValue?: unknown };
  // `offer create --json` that failed prints its error record instead of an offer.
  if (object?.kind === 'error') throw new UsageError(`stdin holds an error from offer create, not an offer: ${String(object.message)}`);
  if (typeof object?.credentialOffer !== 'string') throw new UsageError('stdin JSON has no credentialOffer (expected the output of offer create --json)');
  return { offer: object.credentialOffer, txCodeValue: typeof object.txCodeValue === 'string' ? object.txCodeValue : undefined };
}
