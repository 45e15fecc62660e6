import type { Dispatcher } from 'undici';
import { createDispatcher, httpRequest } from '../http/client.js';
import { buildEvent, eventFromSse, type IssuerEvent } from '../issuer/catalog.js';
import { authHeaders, followTarget, type IssuerConnection } from '../issuer/endpoints.js';
import { delay } from '../shared/duration.js';
import { isPlainObject, type JsonObject } from '../shared/json.js';
import { SseStream } from '../sse/stream.js';
import { type ReceiveResult, WebhookReceiver } from '../webhooks/receiver.js';

export type Channel = 'sse' | 'webhook';

/** One event as one channel delivered it, and when (performance.now()). */
export interface SeenEvent {
  channel: Channel;
  event: IssuerEvent;
  at: number;
}

interface WatchPlan {
  connection: IssuerConnection;
  sse: boolean;
  webhook: boolean;
  /** Where the receiver listens; `publicUrl` is what the issuer is told (a tunnel, a Docker host name). */
  receiver: { host: string; port: number; path: string; publicUrl?: string };
  /** Each webhook event as it arrives (`offer create --tunnel` prints them). */
  onWebhook?: (event: IssuerEvent, result: ReceiveResult) => void;
}

/** Webhook deliveries for sessions not watched (yet) kept at most: walt.id sends `credential_offer_created` before its 201. */
const EARLY_SESSIONS = 1000;
/** How long to wait for the stream's first message (walt.id's `{}`) after the headers: its subscription is then in place. */
const SUBSCRIBE_GRACE_MS = 2000;

/**
 * Both event channels of a run: one webhook receiver (port 0, or the port of `--webhook-url`)
 * whose URL every offer carries in `runtimeOverrides.notifications.webhook.url`, and one SSE
 * stream per scenario's session, open before the wallet does anything (walt.id replays nothing
 * to a first subscriber).
 */
export class EventHub {
  /** The URL the issuer is told to deliver to. */
  webhookUrl?: string;
  /** Where the receiver listens. */
  localWebhookUrl?: string;
  private receiver?: WebhookReceiver;
  private readonly dispatcher: Dispatcher;
  private readonly watches = new Map<string, SessionWatch>();
  private readonly early = new Map<string, SeenEvent[]>();
  /** Webhook deliveries received in the whole run: none at all means the issuer cannot reach the receiver. */
  webhookDeliveries = 0;

  constructor(readonly plan: WatchPlan) {
    // Streams have no body timeout: walt.id sends no heartbeats.
    this.dispatcher = createDispatcher({ connectTimeoutMs: 10_000, headersTimeoutMs: 10_000, bodyTimeoutMs: 0 });
  }

  get channels(): Channel[] {
    return [...(this.plan.sse ? (['sse'] as const) : []), ...(this.plan.webhook ? (['webhook'] as const) : [])];
  }

  async start(): Promise<void> {
    if (!this.plan.webhook) return;
    const { host, port, path, publicUrl } = this.plan.receiver;
    this.receiver = new WebhookReceiver({
      host,
      port,
      path,
      // walt.id signs nothing: every delivery is taken (and only its event is looked at).
      scheme: 'none',
      secrets: [],
      toleranceSec: 300,
      allowUnsigned: true,
      maxBody: 1024 * 1024,
      drainMs: 1000,
      onResult: (result) => {
        this.webhookDeliveries++;
        if (result.acceptance === 'rejected' || result.ping || result.duplicate) return;
        const data = result.record.data;
        const payload: JsonObject = isPlainObject(data) ? data : {};
        const event = buildEvent(result.record.type ?? 'message', payload, data, undefined, result.record.sessionId ?? undefined);
        this.deliver({ channel: 'webhook', event, at: performance.now() });
        this.plan.onWebhook?.(event, result);
      },
    });
    this.localWebhookUrl = await this.receiver.start();
    this.webhookUrl = publicUrl ?? this.localWebhookUrl;
  }

  private deliver(seen: SeenEvent): void {
    const id = seen.event.sessionId;
    if (id === undefined) return;
    const watch = this.watches.get(id);
    if (watch) {
      watch.add(seen);
      return;
    }
    const list = this.early.get(id) ?? [];
    list.push(seen);
    this.early.set(id, list);
    if (this.early.size > EARLY_SESSIONS) this.early.delete(this.early.keys().next().value!);
  }

  /** Starts watching a session: its SSE stream is subscribed (first message seen) when this resolves. */
  async watch(sessionId: string): Promise<SessionWatch> {
    const watch = new SessionWatch(sessionId, this, this.dispatcher);
    this.watches.set(sessionId, watch);
    for (const seen of this.early.get(sessionId) ?? []) watch.add(seen);
    this.early.delete(sessionId);
    if (this.plan.sse) await watch.subscribe();
    return watch;
  }

  forget(sessionId: string): void {
    this.watches.get(sessionId)?.close();
    this.watches.delete(sessionId);
  }

  /** walt.id issuer2's session resource (`GET /issuer2/sessions/{id}`); Enterprise has none. */
  sessionResourceUrl(sessionId: string): string | undefined {
    return followTarget(this.plan.connection, sessionId).sessionUrl;
  }

  async readSession(sessionId: string): Promise<{ status?: string; isClosed?: boolean; httpStatus: number } | undefined> {
    const url = this.sessionResourceUrl(sessionId);
    if (!url) return undefined;
    const response = await httpRequest(url, { headers: { accept: 'application/json', ...authHeaders(this.plan.connection) }, dispatcher: this.plan.connection.dispatcher });
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      body = undefined;
    }
    const session = isPlainObject(body) ? body : {};
    return {
      httpStatus: response.status,
      status: typeof session.status === 'string' ? session.status : undefined,
      isClosed: typeof session.isClosed === 'boolean' ? session.isClosed : undefined,
    };
  }

  async close(): Promise<void> {
    for (const watch of this.watches.values()) watch.close();
    this.watches.clear();
    await this.receiver?.close();
    await this.dispatcher.close().catch(() => {});
  }
}

/** One scenario's session on both channels: the events so far, and a way to wait for more. */
export class SessionWatch {
  readonly events: SeenEvent[] = [];
  /** Why the SSE stream could not be followed. */
  sseError?: string;
  private stream?: SseStream;
  private waiters: (() => void)[] = [];

  constructor(
    readonly sessionId: string,
    private readonly hub: EventHub,
    private readonly dispatcher: Dispatcher,
  ) {}

  add(seen: SeenEvent): void {
    this.events.push(seen);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves at the next event (or after `ms`). */
  async next(ms: number): Promise<void> {
    if (ms <= 0) return;
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    this.waiters.push(wake);
    const controller = new AbortController();
    await Promise.race([woken, delay(ms, controller.signal)]);
    controller.abort();
  }

  async subscribe(): Promise<void> {
    const target = followTarget(this.hub.plan.connection, this.sessionId);
    let firstMessage!: () => void;
    const subscribed = new Promise<void>((resolve) => (firstMessage = resolve));
    let connected!: () => void;
    const opened = new Promise<void>((resolve) => (connected = resolve));
    this.stream = new SseStream(
      { url: target.url, headers: target.headers, dispatcher: this.dispatcher, retries: 3, connectTimeoutMs: 10_000, initialDelayMs: 100, maxDelayMs: 1000 },
      {
        onConnect: () => connected(),
        onKeepAlive: () => firstMessage(),
        onMessage: (message) => {
          firstMessage();
          const event = eventFromSse(message, this.sessionId);
          if (event) this.add({ channel: 'sse', event, at: performance.now() });
          return false;
        },
      },
    );
    const running = this.stream.run().then(
      () => undefined,
      (error: Error) => {
        this.sseError = error.message;
      },
    );
    // Subscribed once walt.id's first message (`{}`) is in; an issuer that sends none gets a grace period after the headers.
    const grace = new AbortController();
    await Promise.race([subscribed, running, opened.then(() => delay(SUBSCRIBE_GRACE_MS, grace.signal))]);
    grace.abort();
  }

  close(): void {
    this.stream?.close();
    for (const wake of this.waiters.splice(0)) wake();
  }
}
