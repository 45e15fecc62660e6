import type { SandboxIssuer } from '../../sandbox/server.js';
import type { PublicUrl } from '../../tunnel/types.js';
import { escapeLine } from '../../shared/escape.js';
import { maskSecret } from '../../shared/redact.js';
import type { Output } from '../output.js';

/** The sandbox's Ready line and its routes. */
export function renderSandboxReady(output: Output, sandbox: SandboxIssuer, options: { autoClaim?: string; autoClaimOutcome?: string }, tunnel?: PublicUrl): void {
  const { eventNames, profiles } = sandbox.settings;
  const publicInfo = tunnel ? `, public URL ${escapeLine(tunnel.url)} (${tunnel.provider})` : '';
  output.notice(`Ready! Sandbox issuer on ${sandbox.url}${publicInfo} (${eventNames} event names; profiles: ${[...profiles.keys()].join(', ')})`);
  if (tunnel) output.info(`  public:  ${escapeLine(tunnel.url)}: offers and issuer metadata carry it, so a wallet elsewhere (a phone) can claim through ${tunnel.provider}`);
  output.info(`  offers:  POST ${sandbox.url}/issuer2/credential-offers`);
  output.info(`  events:  GET  ${sandbox.url}/issuer2/sessions/{id}/events`);
  const auto = options.autoClaim ? ` (auto-claim: ${options.autoClaimOutcome} after ${options.autoClaim})` : '';
  output.info(`  wallet:  POST ${sandbox.url}/sandbox/sessions/{id}/claim?outcome=success|fail|wrong-tx-code${auto}`);
  const legacy = sandbox.settings.legacyWellKnown ? ', and the appended form' : '';
  output.info(`  oid4vci: ${sandbox.url}/openid4vci (metadata: ${sandbox.url}/.well-known/openid-credential-issuer/openid4vci${legacy})`);
  output.info(`  enterprise: POST ${sandbox.url}/v2/{org}.{tenant}.{issuerService}.{profileId}/issuer-service-api/credentials/offers`);
  output.info(
    `              GET  ${sandbox.url}/v2/{org}.{tenant}.{issuerService}/issuer-service-api/issuance-session/{id}/events${sandbox.settings.token ? ' (Bearer token required)' : ''}`,
  );
  if (sandbox.settings.notificationEndpoint) output.info(`  notify:  POST ${sandbox.url}/openid4vci/notification (OID4VCI §11; walt.id has none)`);
  const faults = sandbox.faults.list;
  // A sandbox that misbehaves on purpose says so where the user looks first.
  if (faults.length) output.warn(`faults: ${faults.join(', ')} — this sandbox departs from the spec on purpose (sandbox --help lists the faults)`);
  const signing = sandbox.settings.webhookSigning;
  // walt.id signs nothing; the sandbox does only when asked, so say which.
  output.info(`  webhooks: ${signing ? `signed with ${signing.scheme} (secret ${maskSecret(signing.secret)})` : 'unsigned, as walt.id sends them (--webhook-scheme to sign)'}`);
}
