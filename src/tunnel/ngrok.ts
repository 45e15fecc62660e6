import { formatDuration, safeTimeout } from '../shared/duration.js';
import { ngrokError, TunnelError } from './errors.js';
import type { NgrokConnect, NgrokForwardConfig, NgrokListenerLike, NgrokTunnelPlan, Tunnel, TunnelProvider, TunnelState } from './types.js';

/** Connecting gives up after this long: the agent retries a silent network for ever. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The package, named through a variable: an install or a build without the optional dependency still works. */
const NGROK_PACKAGE = '@ngrok/ngrok';

/**
 * The real library's `forward`, loaded only when a tunnel is asked for (its native add-on is a
 * few megabytes; no other command pays for it). A missing package or native binary is a
 * configuration problem (exit 2) that says how to add it.
 */
export async function loadNgrok(): Promise<NgrokConnect> {
  let lib: { forward?: unknown };
  try {
    const module = (await import(NGROK_PACKAGE)) as { default?: { forward?: unknown }; forward?: unknown };
    lib = module.default ?? module;
  } catch (error) {
    throw missingNgrok(error);
  }
  if (typeof lib.forward !== 'function') throw new TunnelError(`${NGROK_PACKAGE} has no forward(): an incompatible version is installed (issuer-events needs ^1.7)`, 'missing');
  const forward = lib.forward as (config: NgrokForwardConfig) => Promise<NgrokListenerLike>;
  return (config) => forward(config);
}

function missingNgrok(error: unknown): TunnelError {
  const err = error as NodeJS.ErrnoException;
  const message = String(err?.message ?? error).split('\n')[0] ?? '';
  if ((err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') && message.includes(`'${NGROK_PACKAGE}'`)) {
    return new TunnelError(
      `a tunnel through ngrok needs the optional package ${NGROK_PACKAGE}, which is not installed: npm install ${NGROK_PACKAGE} where issuer-events is installed (npm install -g ${NGROK_PACKAGE} beside a global install; --omit=optional leaves it out)`,
      'missing',
      undefined,
      { cause: error },
    );
  }
  // The package is there but its native add-on for this platform is not (or does not load).
  return new TunnelError(
    `${NGROK_PACKAGE} is installed but does not load on ${process.platform}-${process.arch} (${message}): reinstall it without --omit=optional, so that npm adds its native binary`,
    'missing',
    undefined,
    { cause: error },
  );
}

/**
 * What is wrong with a token at a glance, before anything is sent: the usual paste mistakes
 * (quotes, a line break, the whole `ngrok config add-authtoken …` line). The service judges the
 * rest (ERR_NGROK_105/107). Never quotes the token.
 */
export function ngrokTokenProblem(token: string): string | undefined {
  if (token === '') return 'is empty';
  if (/\s/.test(token)) return 'contains spaces or line breaks (paste the token alone)';
  if (/^["']|["']$/.test(token)) return 'is in quotes (paste the token alone)';
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return 'has characters an ngrok auth token never has (only letters, digits, _ and -)';
  if (token.length < 20) return `is too short to be an ngrok auth token (${token.length} characters)`;
  return undefined;
}

/** Races the agent's connection against the timeout and the caller's signal. */
function settle<T>(pending: Promise<T>, ms: number, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => done(() => reject(new TunnelError('ngrok: connection abandoned (stopped)', 'aborted')));
    const timer = safeTimeout(
      () =>
        done(() =>
          reject(
            new TunnelError(
              `ngrok: no connection to the ngrok service within ${formatDuration(ms)} (the agent was still trying: is this machine online, or is connect.ngrok-agent.com:443 blocked?)`,
              'timeout',
            ),
          ),
        ),
      ms,
    );
    function done(settleWith: () => void): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      settleWith();
    }
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort, { once: true });
    pending.then(
      (value) => done(() => resolve(value)),
      (error: unknown) => done(() => reject(error)),
    );
  });
}

/** ngrok, as a library (`@ngrok/ngrok`): an https endpoint forwarding each request, bytes unchanged, to the target. */
export const ngrokProvider: TunnelProvider<NgrokTunnelPlan> = {
  name: 'ngrok',
  async open(plan, target, hooks, signal): Promise<Tunnel> {
    const problem = ngrokTokenProblem(plan.authtoken);
    if (problem) throw new TunnelError(`ngrok: the auth token ${problem}`, 'config');
    if (signal?.aborted) throw new TunnelError('ngrok: connection abandoned (stopped)', 'aborted');
    const connect = plan.connect ?? (await loadNgrok());
    let tunnel: Tunnel | undefined;
    let over = false;
    let state: TunnelState = 'connected';
    const config: NgrokForwardConfig = {
      addr: target.origin,
      authtoken: plan.authtoken,
      // Status changes while connecting end in the error or the URL; later ones are news, once
      // each (the agent reports 'closed' again for every failed attempt to reconnect).
      onStatusChange: (status) => {
        const now: TunnelState = status === 'connected' ? 'connected' : 'closed';
        if (!tunnel || over || now === state) return;
        state = now;
        hooks.status?.(now, { provider: 'ngrok', url: tunnel.url });
      },
    };
    if (target.label) config.forwards_to = target.label;
    if (plan.domain) config.domain = plan.domain;
    if (plan.serverAddr) config.server_addr = plan.serverAddr;
    let pending: Promise<NgrokListenerLike>;
    try {
      pending = Promise.resolve(connect(config));
    } catch (error) {
      pending = Promise.reject(error);
    }
    // A listener that arrives after we gave up (timeout, Ctrl-C) is closed, not left forwarding.
    pending.then(
      (listener) => {
        if (over) listener.close().catch(() => {});
      },
      () => {},
    );
    let listener: NgrokListenerLike;
    try {
      listener = await settle(pending, plan.connectTimeoutMs ?? CONNECT_TIMEOUT_MS, signal);
    } catch (error) {
      over = true;
      throw error instanceof TunnelError ? error : ngrokError(error, plan.authtoken, plan.domain);
    }
    const url = listener.url();
    if (!url) {
      over = true;
      await listener.close().catch(() => {});
      throw new TunnelError('ngrok: the agent opened a listener without a URL', 'other');
    }
    let closing: Promise<void> | undefined;
    tunnel = {
      provider: 'ngrok',
      url: url.replace(/\/+$/, ''),
      close: () => {
        over = true;
        // The close is an RPC to the service; a lost network makes it fail, and the service drops the session anyway.
        closing ??= listener.close().catch(() => {});
        return closing;
      },
    };
    return tunnel;
  },
};
