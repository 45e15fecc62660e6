import type { ReceiveResult } from '../webhooks/receiver.js';
import { EventHub, type SessionWatch } from '../check/watch.js';
import { ExitCode } from '../errors.js';
import type { IssuerConnection } from '../issuer/endpoints.js';
import type { IssuerEvent } from '../issuer/catalog.js';
import { formatDuration } from '../shared/duration.js';
import { exitCodeForStop, onStop, untilStopped } from '../shared/shutdown.js';
import { exposeReceiver, type ExposedReceiver } from './index.js';
import type { PublicUrl, TunnelPlan, TunnelState } from './types.js';

/**
 * `offer create --tunnel`: the webhook receiver the offer's webhook override points at, public
 * through the tunnel (a hosted issuer calls it from the internet).
 */
export interface WebhookChannel {
  /** The public URL: the offer's `runtimeOverrides.notifications.webhook.url`. */
  url: string;
  hub: EventHub;
}

/** What the channel says as it goes; the command renders it. */
export interface WebhookChannelReporter {
  /** The tunnel's connection to its service was lost, or came back. */
  status(state: TunnelState, url: PublicUrl): void;
  /** The tunnel is up: `publicUrl` forwards to the receiver at `local`. */
  exposed(publicUrl: PublicUrl, local: string): void;
  webhook(event: IssuerEvent, result: ReceiveResult): void;
  warn(message: string): void;
}

/** How long, after the session ended, its webhooks may still arrive: the issuer sends them on its own schedule. */
const WEBHOOK_GRACE_MS = 5000;

/**
 * check's webhook receiver (its EventHub, the webhook channel only) on loopback, made public
 * through the tunnel before `work` creates the offer. Receiver, then tunnel, are closed when the
 * work is done. A stop while the tunnel connects ends at once (130, or 143: a condition is awaited).
 */
export async function withWebhookChannel(
  plan: TunnelPlan,
  connection: IssuerConnection,
  reporter: WebhookChannelReporter,
  work: (channel: WebhookChannel) => Promise<number>,
): Promise<number> {
  const hub = new EventHub({
    connection,
    sse: false,
    webhook: true,
    receiver: { host: '127.0.0.1', port: 0, path: '/hooks' },
    onWebhook: (event, result) => reporter.webhook(event, result),
  });
  await hub.start();
  const local = hub.localWebhookUrl!;
  let release!: (code: number) => void;
  const stopped = untilStopped({ awaiting: () => true, other: new Promise<number>((resolve) => (release = resolve)) });
  let exposed: ExposedReceiver | undefined;
  try {
    exposed = await exposeReceiver(plan, local, { label: 'issuer-events offer create', status: (state, url) => reporter.status(state, url) }, stopped);
  } finally {
    // The signal handlers are released (a stop that came first keeps its code).
    release(ExitCode.OK);
    if (!exposed) await hub.close();
  }
  if (!exposed) return stopped;
  reporter.exposed(exposed.publicUrl, local);
  try {
    return await work({ url: exposed.publicUrl.url, hub });
  } finally {
    // The receiver drains first (its answers still go back through the tunnel), then the tunnel closes.
    await hub.close();
    await exposed.close();
  }
}

/**
 * After the session ended: its webhooks may still be on their way (the terminal one last). Waits
 * for the terminal event on the webhook channel, at most WEBHOOK_GRACE_MS; none at all is said.
 */
export async function awaitWebhooks(channel: WebhookChannel, watch: SessionWatch, code: number, reporter: Pick<WebhookChannelReporter, 'warn'>): Promise<number> {
  // A session that did not end (a refused step, a timeout) sends no terminal webhook to wait for.
  if (code !== ExitCode.OK && code !== ExitCode.UNSUCCESSFUL) return code;
  let stopCode: number | undefined;
  const dispose = onStop((reason) => {
    stopCode = exitCodeForStop(reason, true);
    watch.close();
  });
  const deadline = performance.now() + WEBHOOK_GRACE_MS;
  try {
    while (stopCode === undefined && !watch.events.some((seen) => seen.event.terminal)) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await watch.next(left);
    }
  } finally {
    dispose();
    channel.hub.forget(watch.sessionId);
  }
  if (stopCode !== undefined) return stopCode;
  if (watch.events.length === 0) {
    reporter.warn(
      `no webhook arrived through ${channel.url} within ${formatDuration(WEBHOOK_GRACE_MS)} of the session's end: the issuer did not call the offer's webhook URL (is its webhook channel enabled?)`,
    );
  }
  return code;
}
