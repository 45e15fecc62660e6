/**
 * A tunnel gives a local receiver a public URL. Providers implement `TunnelProvider`; the engines
 * (`runListener`, `sandbox`, and through `exposeReceiver` `check` and `offer create`) open one through `openTunnel`
 * and hold no provider-specific code.
 */

/** The part of `@ngrok/ngrok`'s `forward()` configuration the tunnel sets (the library's own key names). */
export interface NgrokForwardConfig {
  /** Where the agent forwards to: `http://127.0.0.1:8787`. */
  addr: string;
  authtoken: string;
  domain?: string;
  /** Shown in the ngrok dashboard. */
  forwards_to?: string;
  /** The agent ingress to dial (a custom ingress; tests point it at a local server). */
  server_addr?: string;
  /** 'connected' on each (re)connection, 'closed' when the connection to the ngrok service is lost. */
  onStatusChange?: (status: string) => void;
}

/** The part of `@ngrok/ngrok`'s `Listener` the tunnel uses. */
export interface NgrokListenerLike {
  url(): string | null;
  close(): Promise<void>;
}

/**
 * `@ngrok/ngrok`'s `forward` (alias `connect`): what the tunnel calls. The default is the real
 * library's, loaded with `import()` only when a tunnel is asked for; tests and scripts inject
 * their own (as smee-client takes a `fetch`).
 */
export type NgrokConnect = (config: NgrokForwardConfig) => Promise<NgrokListenerLike>;

export interface NgrokTunnelPlan {
  provider: 'ngrok';
  /** The agent's auth token (NGROK_AUTHTOKEN or the context's ngrokAuthtoken). */
  authtoken: string;
  /** A domain reserved for the account (`--tunnel-domain`); default: the one ngrok assigns. */
  domain?: string;
  /** Giving up on connecting after this long (default CONNECT_TIMEOUT_MS). */
  connectTimeoutMs?: number;
  /** The agent ingress (`server_addr`), for a custom ingress. */
  serverAddr?: string;
  /** The library's `forward`; default: the real `@ngrok/ngrok`. */
  connect?: NgrokConnect;
}

/** One plan per provider; `provider` names it. */
export type TunnelPlan = NgrokTunnelPlan;

export type TunnelProviderName = TunnelPlan['provider'];

/** The tunnel's connection to its service, after it was first established. */
export type TunnelState = 'connected' | 'closed';

export interface TunnelHooks {
  /** The connection to the provider was lost ('closed') or is back ('connected'). */
  status?(state: TunnelState, tunnel: { provider: TunnelProviderName; url: string }): void;
}

/** An open tunnel. */
export interface Tunnel {
  provider: TunnelProviderName;
  /** The public origin, `https://abc.ngrok-free.app`. */
  url: string;
  /** Stops forwarding (bounded by the caller); safe to call more than once. */
  close(): Promise<void>;
}

export interface TunnelTarget {
  /** The local origin the tunnel forwards to, `http://127.0.0.1:8787`. */
  origin: string;
  /** What the provider's dashboard shows, e.g. `issuer-events listen`. */
  label?: string;
}

export interface TunnelProvider<P extends TunnelPlan = TunnelPlan> {
  name: P['provider'];
  open(plan: P, target: TunnelTarget, hooks: TunnelHooks, signal?: AbortSignal): Promise<Tunnel>;
}

/** A server's public address through a tunnel, as commands report it. */
export interface PublicUrl {
  provider: string;
  /** The public URL to hand out (the tunnel's origin and the server's path). */
  url: string;
}
