import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOn } from '../shared/http-server.js';
import { readBody } from '../http/body.js';
import { deliverWebhook, type DeliveryOutcome, type WebhookSigning } from './webhook-delivery.js';
import { SessionStore, sessionView, type Session } from './session-store.js';
import { isWaltError, validateOfferRequest, waltError, type WaltError } from './validation.js';
import { OUTCOMES, claimSteps, isOutcome, type EventNames, type ClaimOutcome, type Step } from './wallet.js';
import type { SandboxProfile } from './profiles.js';

export interface SandboxOptions {
  host: string;
  port: number;
  profiles: Map<string, SandboxProfile>;
  /** Enterprise routes require `Authorization: Bearer <token>` when set. */
  token?: string;
  eventNames: EventNames;
  webhookSigning?: WebhookSigning;
  /** Claim every new offer after this delay… */
  autoClaimMs?: number;
  /** …with this outcome (default success). */
  autoClaimOutcome?: ClaimOutcome;
  /** Pause between the events of one claim, so channels can be told apart in time. */
  stepDelayMs?: number;
  /** One line per request and per webhook delivery. */
  log?: (line: string) => void;
  /** Request bodies in the log. */
  verbose?: boolean;
}

const ENTERPRISE_OFFERS = /^\/v2\/([^/.]+\.[^/.]+\.[^/.]+)\.([^/]+)\/issuer-service-api\/credentials\/offers$/;
const ENTERPRISE_EVENTS = /^\/v2\/([^/.]+\.[^/.]+\.[^/.]+)\/issuer-service-api\/issuance-session\/([^/]+)\/events$/;

/**
 * The embedded issuer: the open-source issuer2 wire format (docs/providers.md), Enterprise routes,
 * SSE like walt.id's, webhook delivery, and a simulated wallet.
 */
export class SandboxIssuer {
  readonly store = new SessionStore();
  private server: Server | undefined;
  url = '';
  /** Webhook deliveries made, for the demo's summary. */
  readonly deliveries: DeliveryOutcome[] = [];

  constructor(private readonly options: SandboxOptions) {}

  get settings(): Readonly<SandboxOptions> {
    return this.options;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const started = performance.now();
      res.once('finish', () => this.options.log?.(`${req.method} ${req.url} → ${res.statusCode} ${Math.round(performance.now() - started)}ms`));
      this.route(req, res).catch((error: Error) => {
        if (!res.headersSent) this.send(res, waltError(500, error.message));
      });
    });
    this.url = await listenOn(this.server, this.options.host, this.options.port);
    return this.url;
  }

  async close(): Promise<void> {
    this.store.closeAll();
    if (this.server) await closeServer(this.server);
  }

  private send(res: ServerResponse, error: WaltError): void;
  private send(res: ServerResponse, status: number, body: unknown): void;
  private send(res: ServerResponse, a: WaltError | number, b?: unknown): void {
    const [status, body] = typeof a === 'number' ? [a, b] : [a.status, a.body];
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/issuer2/credential-offers') return this.postOffer(req, res);
    if (method === 'POST' && (m = ENTERPRISE_OFFERS.exec(path))) {
      if (!this.authorized(req)) return this.send(res, waltError(401, 'Invalid or missing bearer token'));
      return this.postOffer(req, res, decodeURIComponent(m[2]!));
    }
    if (method === 'GET' && (m = /^\/issuer2\/sessions\/([^/]+)\/events$/.exec(path))) return this.sse(res, decodeURIComponent(m[1]!));
    if (method === 'GET' && (m = ENTERPRISE_EVENTS.exec(path))) {
      if (!this.authorized(req)) return this.send(res, waltError(401, 'Invalid or missing bearer token'));
      return this.sse(res, decodeURIComponent(m[2]!));
    }
    if (method === 'GET' && path === '/issuer2/events') {
      openSse(res);
      return this.store.subscribeAll(res);
    }
    if (method === 'GET' && (m = /^\/issuer2\/sessions\/([^/]+)$/.exec(path))) {
      const session = this.store.get(decodeURIComponent(m[1]!));
      return session ? this.send(res, 200, sessionView(session)) : this.send(res, waltError(404, `Session not found: ${m[1]}`));
    }
    if (method === 'GET' && (m = /^\/issuer2\/credential-offers\/([^/]+)$/.exec(path))) {
      const session = this.store.get(decodeURIComponent(m[1]!));
      return session ? this.send(res, 200, this.offerObject(session)) : this.send(res, waltError(404, `Offer not found: ${m[1]}`));
    }
    if (method === 'POST' && (m = /^\/sandbox\/sessions\/([^/]+)\/claim$/.exec(path))) {
      const outcome = url.searchParams.get('outcome') ?? 'success';
      if (!isOutcome(outcome)) return this.send(res, waltError(400, `outcome must be one of ${OUTCOMES.join(', ')}`));
      const result = await this.claim(decodeURIComponent(m[1]!), outcome as ClaimOutcome);
      return 'body' in result ? this.send(res, result) : this.send(res, 200, result);
    }
    this.send(res, waltError(404, `No route for ${method} ${path}`));
  }

  private authorized(req: IncomingMessage): boolean {
    return !this.options.token || req.headers.authorization === `Bearer ${this.options.token}`;
  }

  private async postOffer(req: IncomingMessage, res: ServerResponse, profileFromPath?: string): Promise<void> {
    const body = await readBody(req, 1024 * 1024);
    if (body === undefined) return this.send(res, waltError(413, 'Request body over 1 MB'));
    const text = body.toString('utf8');
    if (this.options.verbose) this.options.log?.(`  body: ${text}`);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.send(res, waltError(400, 'Request body is not valid JSON'));
    }
    const input = validateOfferRequest(raw, profileFromPath);
    if (isWaltError(input)) return this.send(res, input);
    const profile = this.options.profiles.get(input.profileId);
    if (!profile) return this.send(res, waltError(404, `Profile not found: ${input.profileId}`));
    if (input.sessionId && this.store.has(input.sessionId)) return this.send(res, waltError(409, `Session id already in use: ${input.sessionId}`));
    const session = this.store.create(profile, input);
    const response: Record<string, unknown> = {
      offerId: session.id,
      profileId: profile.id,
      authMethod: input.authMethod,
      expiresAt: Number.isFinite(session.expiresAt) ? session.expiresAt : 253402300799000,
      credentialOffer: `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(`${this.url}/issuer2/credential-offers/${session.id}`)}`,
    };
    if (session.txCodeValue) response.txCodeValue = session.txCodeValue;
    this.send(res, 201, response);
    // Current walt.id also reports the creation, by webhook only.
    if (this.options.eventNames === 'current') void this.emit(session, { event: 'credential_offer_created' }, { sse: false });
    if (this.options.autoClaimMs !== undefined) setTimeout(() => void this.autoClaim(session), this.options.autoClaimMs).unref();
  }

  private offerObject(session: Session): object {
    const grants =
      session.offer.authMethod === 'PRE_AUTHORIZED'
        ? {
            'urn:ietf:params:oauth:grant-type:pre-authorized_code': {
              'pre-authorized_code': session.preAuthorizedCode,
              ...(session.offer.txCode ? { tx_code: session.offer.txCode } : {}),
            },
          }
        : { authorization_code: { issuer_state: session.id } };
    return { credential_issuer: `${this.url}/issuer2`, credential_configuration_ids: [session.profile.credentialConfigurationId], grants };
  }

  private sse(res: ServerResponse, id: string): void {
    openSse(res);
    const session = this.store.get(id);
    // walt.id answers an unknown or expired session with 200 and closes the stream at once.
    if (!session) return void res.end();
    this.store.subscribe(session, res);
  }

  /**
   * `--auto-claim`: events before the first SSE subscriber are not delivered (like walt.id), so
   * the wallet waits up to 5 s more for one — a `tail` started right after the offer sees them all.
   */
  private async autoClaim(session: Session): Promise<void> {
    for (let waited = 0; session.subscribers.size === 0 && this.store.global.size === 0 && waited < 5000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.claim(session.id, this.options.autoClaimOutcome ?? 'success');
  }

  /** The simulated wallet: runs the profile's event sequence for `outcome`. */
  async claim(id: string, outcome: ClaimOutcome): Promise<{ sessionId: string; outcome: ClaimOutcome; status: string } | WaltError> {
    const session = this.store.get(id);
    if (!session) return waltError(404, `Session not found: ${id}`);
    if (session.status !== 'ACTIVE') return waltError(409, `Session ${id} is ${session.status}`);
    for (const step of claimSteps(session, outcome, this.options.eventNames)) {
      await new Promise((resolve) => setTimeout(resolve, this.options.stepDelayMs ?? 10));
      await this.emit(session, step);
    }
    return { sessionId: id, outcome, status: session.status };
  }

  private async emit(session: Session, step: Step, { sse = true } = {}): Promise<void> {
    if (step.status) {
      session.status = step.status;
      session.isClosed = step.status !== 'ACTIVE';
    }
    const envelope: Record<string, unknown> = { target: session.id, event: step.event, session: sessionView(session), requestId: randomUUID() };
    if (step.error) {
      envelope.error = step.error;
      envelope.error_description = step.errorDescription;
    }
    if (sse) this.store.publish(session, JSON.stringify(envelope));
    if (!session.webhookUrl) return;
    const outcome = await deliverWebhook(session.webhookUrl, envelope, this.options.webhookSigning, `msg_${randomUUID().replaceAll('-', '')}`);
    this.deliveries.push(outcome);
    // Delivery failures are logged, never fatal (walt.id does not retry either).
    this.options.log?.(`webhook ${step.event} → ${outcome.url}: ${outcome.status ?? outcome.error} ${Math.round(outcome.ms)}ms`);
  }
}

function openSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
}
