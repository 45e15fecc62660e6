import { TunnelError } from './errors.js';
import { ngrokProvider } from './ngrok.js';
import { localOrigin } from '../shared/http-server.js';
import { drainWithin } from '../shared/shutdown.js';
import type { PublicUrl, Tunnel, TunnelHooks, TunnelPlan, TunnelProvider, TunnelProviderName, TunnelState, TunnelTarget } from './types.js';

export { TunnelError, ngrokError, NGROK_TOKEN_PAGE, type TunnelFailure } from './errors.js';
export { CONNECT_TIMEOUT_MS, loadNgrok, ngrokProvider, ngrokTokenProblem } from './ngrok.js';
export type * from './types.js';

const PROVIDERS: { [N in TunnelProviderName]: TunnelProvider<Extract<TunnelPlan, { provider: N }>> } = { ngrok: ngrokProvider };

/** The providers `--tunnel` takes. */
export const TUNNEL_PROVIDERS = Object.keys(PROVIDERS) as TunnelProviderName[];

export function isTunnelProvider(name: string): name is TunnelProviderName {
  return Object.hasOwn(PROVIDERS, name);
}

/** How long closing a tunnel may take at shutdown: an RPC to the provider, whose network may be gone. */
export const TUNNEL_CLOSE_MS = 3000;

/** Opens the plan's tunnel to `target`; rejects with a TunnelError (aborted when `signal` fires first). */
export function openTunnel(plan: TunnelPlan, target: TunnelTarget, hooks: TunnelHooks = {}, signal?: AbortSignal): Promise<Tunnel> {
  return PROVIDERS[plan.provider].open(plan, target, hooks, signal);
}

/**
 * Opens a tunnel to a server that already listens, while the command's stop signals are handled:
 * when `stopped` settles first (Ctrl-C, SIGTERM, the command's own end), the connection is
 * abandoned at once and this resolves undefined; the caller then stops as its policy says.
 */
export async function openUnlessStopped(plan: TunnelPlan, target: TunnelTarget, hooks: TunnelHooks, stopped: Promise<unknown>): Promise<Tunnel | undefined> {
  const abandon = new AbortController();
  void stopped.then(() => abandon.abort());
  try {
    return await openTunnel(plan, target, hooks, abandon.signal);
  } catch (error) {
    if (error instanceof TunnelError && error.failure === 'aborted') return undefined;
    throw error;
  }
}

/**
 * Relays that cannot carry a signed webhook, and why. smee.io parses the JSON body and sends its
 * own serialisation, with `content-type: application/json` forced (smee-client#325): the bytes
 * the sender signed never arrive, so every HMAC over the raw body fails.
 */
export function relayRefusal(name: string): string | undefined {
  let host = name.toLowerCase();
  if (URL.canParse(name)) host = new URL(name).hostname.toLowerCase();
  if (host === 'smee' || host === 'smee.io' || host.endsWith('.smee.io')) {
    return 'smee.io re-serialises the JSON body and forces content-type: application/json, so Standard Webhooks, Svix, iGrant.io and Stripe signatures fail through it (https://github.com/probot/smee-client/issues/325)';
  }
  return undefined;
}

/** A local receiver made public: the URL to hand the issuer, and the close that ends the tunnel. */
export interface ExposedReceiver {
  /** The tunnel's origin with the receiver's path: what goes into an offer's webhook override. */
  publicUrl: PublicUrl;
  /** Closes the tunnel, bounded by TUNNEL_CLOSE_MS; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Opens the plan's tunnel to a receiver that already listens at `localUrl` (`check --tunnel`,
 * `offer create --tunnel`): the public URL keeps the receiver's path, status changes reach
 * `status` with that URL. Resolves undefined when `stopped` settles first (see openUnlessStopped).
 */
export async function exposeReceiver(
  plan: TunnelPlan,
  localUrl: string,
  options: { label: string; status?: (state: TunnelState, url: PublicUrl) => void },
  stopped: Promise<unknown>,
): Promise<ExposedReceiver | undefined> {
  const local = new URL(localUrl);
  const path = `${local.pathname}${local.search}`;
  const hooks: TunnelHooks = { status: (state, t) => options.status?.(state, { provider: t.provider, url: `${t.url}${path}` }) };
  const tunnel = await openUnlessStopped(plan, { origin: localOrigin(localUrl), label: options.label }, hooks, stopped);
  if (!tunnel) return undefined;
  return { publicUrl: { provider: tunnel.provider, url: `${tunnel.url}${path}` }, close: () => drainWithin(tunnel.close(), TUNNEL_CLOSE_MS).then(() => undefined) };
}
