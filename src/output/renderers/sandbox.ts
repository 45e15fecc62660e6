import type { SandboxIssuer } from '../../sandbox/server.js';
import type { Output } from '../output.js';

/** The sandbox's Ready line and its routes. */
export function renderSandboxReady(output: Output, sandbox: SandboxIssuer, options: { autoClaim?: string; autoClaimOutcome?: string }): void {
  const { eventNames, profiles } = sandbox.settings;
  output.notice(`Ready! Sandbox issuer on ${sandbox.url} (${eventNames} event names; profiles: ${[...profiles.keys()].join(', ')})`);
  output.info(`  offers:  POST ${sandbox.url}/issuer2/credential-offers`);
  output.info(`  events:  GET  ${sandbox.url}/issuer2/sessions/{id}/events`);
  const auto = options.autoClaim ? ` (auto-claim: ${options.autoClaimOutcome} after ${options.autoClaim})` : '';
  output.info(`  wallet:  POST ${sandbox.url}/sandbox/sessions/{id}/claim?outcome=success|fail|wrong-tx-code${auto}`);
}
