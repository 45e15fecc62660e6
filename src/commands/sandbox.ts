import type { CommandContext } from './context.js';
import { ConfigError, UsageError } from '../errors.js';
import { bindError, untilSignal } from '../util/process.js';
import { loadProfiles } from '../sandbox/profiles.js';
import { SandboxIssuer } from '../sandbox/server.js';
import type { EventNames, Outcome } from '../sandbox/wallet.js';
import { escapeLine } from '../output/escape.js';
import { parseDuration, parseInteger } from '../util/duration.js';
import { standardKey } from '../webhooks/standard.js';
import type { WebhookSigning } from '../sandbox/webhook-delivery.js';

export interface SandboxCliOptions {
  port: string;
  host: string;
  token?: string;
  eventNames: string;
  webhookScheme?: string;
  webhookSecret?: string;
  autoClaim?: string;
  autoClaimOutcome: string;
  stepDelay: string;
}

export function webhookSigning(scheme: string | undefined, secret: string | undefined): WebhookSigning | undefined {
  if (scheme === undefined && secret === undefined) return undefined;
  if (scheme !== 'standard' && scheme !== 'igrant') throw new UsageError(`--webhook-scheme must be standard or igrant${scheme ? `, not "${scheme}"` : ''}`);
  if (!secret) throw new UsageError(`--webhook-scheme ${scheme} needs --webhook-secret`);
  if (scheme === 'standard' && !standardKey(secret)) throw new UsageError('--webhook-secret for standard must be whsec_ + base64');
  return { scheme, secret };
}

function outcomeOf(text: string): Outcome {
  if (text !== 'success' && text !== 'fail' && text !== 'wrong-tx-code') throw new UsageError(`--auto-claim-outcome must be success, fail or wrong-tx-code, not "${text}"`);
  return text;
}

export async function run(ctx: CommandContext<SandboxCliOptions>): Promise<number> {
  const { options, output } = ctx;
  const eventNames = options.eventNames as EventNames;
  if (eventNames !== 'current' && eventNames !== 'legacy') throw new UsageError(`--event-names must be current or legacy, not "${options.eventNames}"`);
  const signing = webhookSigning(options.webhookScheme, options.webhookSecret);
  const loaded = await ctx.config();
  let profiles;
  try {
    profiles = loadProfiles(loaded.config.profiles);
  } catch (error) {
    throw new ConfigError(`invalid config file ${loaded.file}: ${(error as Error).message}`);
  }
  const port = parseInteger(options.port, '--port');
  const sandbox = new SandboxIssuer({
    host: options.host,
    port,
    profiles,
    token: options.token,
    eventNames,
    webhookSigning: signing,
    autoClaimMs: options.autoClaim === undefined ? undefined : parseDuration(options.autoClaim, '--auto-claim'),
    autoClaimOutcome: outcomeOf(options.autoClaimOutcome),
    stepDelayMs: parseDuration(options.stepDelay, '--step-delay'),
    log: (line) => output.info(output.errColor.dim(escapeLine(line))),
    verbose: options.verbose,
  });
  try {
    await sandbox.start();
  } catch (error) {
    throw bindError(options.host, port, error);
  }
  output.notice(`Ready! Sandbox issuer on ${sandbox.url} (${eventNames} event names; profiles: ${[...profiles.keys()].join(', ')})`);
  output.info(`  offers:  POST ${sandbox.url}/issuer2/credential-offers`);
  output.info(`  events:  GET  ${sandbox.url}/issuer2/sessions/{id}/events`);
  output.info(`  wallet:  POST ${sandbox.url}/sandbox/sessions/{id}/claim?outcome=success|fail|wrong-tx-code${options.autoClaim ? ` (auto-claim: ${options.autoClaimOutcome} after ${options.autoClaim})` : ''}`);
  const code = await untilSignal();
  await sandbox.close();
  return code;
}
