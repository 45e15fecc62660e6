import { UsageError } from '../errors.js';
import { AUTH_METHODS, ISSUER_STATE_MODES, MAX_EXPIRES_IN_SECONDS, VALUE_MODES, type OfferRequest } from '../issuer/offers.js';
import { choiceFlag, durationFlag, jsonFlag, optionalUrl, sessionIdFlag } from './flags.js';

/** The flags that make an offer request (`offer create`; `check` creates offers the same way). */
interface OfferRequestFlags {
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
}

/** Flags → the offer request the issuer API is sent; every value checked here, before anything is sent. */
export function offerRequest(options: OfferRequestFlags): OfferRequest {
  if (!options.profile) throw new UsageError('missing required option --profile <profileId>');
  const authMethod = choiceFlag(options.authMethod?.toUpperCase() ?? 'PRE_AUTHORIZED', '--auth-method', AUTH_METHODS);
  const issuerStateMode = options.issuerStateMode === undefined ? undefined : choiceFlag(options.issuerStateMode.toUpperCase(), '--issuer-state-mode', ISSUER_STATE_MODES);
  if (options.txCode && authMethod !== 'PRE_AUTHORIZED') throw new UsageError('--tx-code needs --auth-method PRE_AUTHORIZED');
  if (issuerStateMode && authMethod !== 'AUTHORIZED') throw new UsageError('--issuer-state-mode needs --auth-method AUTHORIZED');
  return {
    profileId: options.profile,
    authMethod,
    issuerStateMode,
    valueMode: options.valueMode === undefined ? undefined : choiceFlag(options.valueMode.toUpperCase(), '--value-mode', VALUE_MODES),
    expiresInSeconds: options.expiresIn === undefined ? undefined : expiryFlag(options.expiresIn),
    txCode: options.txCode,
    sessionId: options.sessionId === undefined ? undefined : sessionIdFlag(options.sessionId, '--session-id'),
    webhookUrl: optionalUrl(options.webhookUrl, '--webhook-url'),
    overrides: jsonFlag(options.overrides, '--overrides'),
    credentialData: jsonFlag(options.credentialData, '--credential-data'),
  };
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

/** How `offer create`'s flags combine: a usage error for a combination that cannot work, warnings for flags that do nothing. */
export function offerCreateFlagChecks(
  options: { claim?: boolean; tail?: boolean; junit?: string; tunnel?: string; tunnelDomain?: string; webhookUrl?: string; dryRun?: boolean },
  given: (option: string) => boolean,
): string[] {
  if (options.junit !== undefined && !options.claim) throw new UsageError('--junit needs --claim: the report is of the issuance smoke test');
  if (options.tunnel !== undefined || options.tunnelDomain !== undefined) {
    if (!options.tail && !options.claim) throw new UsageError('--tunnel needs --claim or --tail: the webhooks are received while the session is followed');
    if (options.webhookUrl !== undefined) throw new UsageError("--tunnel sets the offer's webhook URL itself: give --tunnel or --webhook-url, not both");
    if (options.dryRun) throw new UsageError('--dry-run sends nothing, so it opens no tunnel: drop --tunnel (--webhook-url shows a webhook in the preview)');
  }
  return options.claim ? [] : CLAIM_ONLY.filter((flag) => given(flag.name)).map((flag) => `${flag.flag} has no effect without --claim`);
}

/** `--expires-in 10m|never`: whole seconds, at least 1; `never` is walt.id's -1. */
function expiryFlag(text: string): number {
  if (text === 'never' || text === '-1') return -1;
  return Math.ceil(durationFlag(text, '--expires-in', { min: 1000, max: MAX_EXPIRES_IN_SECONDS * 1000 }) / 1000);
}
