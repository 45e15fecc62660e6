import type { PublicUrl, TunnelState } from '../../tunnel/types.js';
import { escapeLine } from '../../shared/escape.js';
import type { Output } from '../output.js';

/** `--json`: the public URL as a record of its own, first on stdout, for a script to hand out. */
export function renderTunnelRecord(output: Output, tunnel: PublicUrl, forwardsTo: string): void {
  if (output.json) output.record({ kind: 'tunnel', provider: tunnel.provider, url: tunnel.url, forwardsTo });
}

/** The tunnel lost its connection to the provider, or has it back (stderr). */
export function renderTunnelStatus(output: Output, state: TunnelState, tunnel: PublicUrl, what: string): void {
  const url = escapeLine(tunnel.url);
  if (state === 'closed') output.warn(`${tunnel.provider}: connection to the ${tunnel.provider} service lost; requests to ${url} fail until the agent reconnects`);
  else output.info(output.errColor.green(`${tunnel.provider}: reconnected; ${url} forwards to ${what} again`));
}
