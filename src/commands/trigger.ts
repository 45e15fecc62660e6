import type { CommandContext } from '../cli/command-context.js';
import { choiceFlag, durationFlag, signingSchemeFlag, signingSecretFlag, urlFlag } from '../cli/flags.js';
import type { declareTrigger, OptionsOf } from '../cli/program.js';
import { UsageError } from '../errors.js';
import { createDispatcher } from '../http/client.js';
import { closestEventType, type CatalogProvider } from '../issuer/event-types.js';
import { exchangeTracer } from '../output/renderers/exchange.js';
import { renderTrigger } from '../output/renderers/trigger.js';
import { parseAssignment, type Assignment } from '../shared/json-path.js';
import { sendTrigger } from '../trigger/send.js';
import { PROVIDER_NAMES, PROVIDER_SCHEMES, TRIGGER_PROVIDERS, triggerEntry } from '../trigger/templates.js';

type TriggerOptions = OptionsOf<typeof declareTrigger>;

/** `trigger`: flags → one provider-faithful, signed event → POST → result renderer. Exit 0 on 2xx, 1 otherwise. */
export async function run(ctx: CommandContext<TriggerOptions>, type: string): Promise<number> {
  const { options, output } = ctx;
  const provider = options.provider === undefined ? undefined : choiceFlag(options.provider, '--provider', TRIGGER_PROVIDERS as CatalogProvider[]);
  const entry = triggerEntry(type, provider);
  if (!entry) {
    const close = closestEventType(type);
    throw new UsageError(`unknown event type "${type}"${close ? ` (did you mean ${close}?)` : ''}; \`issuer-events help events\` lists them, or give --provider to send a new one`);
  }
  if (!options.to && !options.dryRun) throw new UsageError('missing --to <url>: the webhook endpoint to send to (e.g. the URL `issuer-events listen` prints)');
  const to = options.to === undefined ? '' : urlFlag(options.to, '--to');
  const scheme = options.scheme === undefined || options.scheme === 'none' ? (options.scheme ?? PROVIDER_SCHEMES[entry.provider]) : signingSchemeFlag(options.scheme, '--scheme');
  const secret = scheme === 'none' ? undefined : (await ctx.settings({ webhookSecret: options.secret })).webhookSecrets[0];
  if (scheme !== 'none' && secret === undefined) {
    throw new UsageError(`${PROVIDER_NAMES[entry.provider]} signs with ${scheme}: give --secret (the one listen verifies with, or ISSUER_EVENTS_WEBHOOK_SECRET), or --scheme none`);
  }
  if (scheme !== 'none' && secret !== undefined) signingSecretFlag(scheme, secret, '--secret');
  const timeoutMs = durationFlag(options.timeout, '--timeout', { min: 1 });
  const result = await sendTrigger({
    entry,
    to,
    scheme,
    secret,
    sets: (options.set ?? []).map(assignmentFlag),
    sessionId: options.session,
    dryRun: options.dryRun,
    dispatcher: createDispatcher({ connectTimeoutMs: timeoutMs, headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs }),
    trace: exchangeTracer(output),
  });
  renderTrigger(output, result, { dryRun: Boolean(options.dryRun) });
  return result.ok ? 0 : 1;
}

function assignmentFlag(text: string): Assignment {
  const parsed = parseAssignment(text);
  if (typeof parsed === 'string') throw new UsageError(`invalid --set "${text}": ${parsed}`);
  return parsed;
}
