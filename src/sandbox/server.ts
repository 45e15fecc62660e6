import { SSE_HEADERS } from '../shared/sse-frame.js';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { capturedRequest, markRedacted, sseRecord, type CaptureRecord } from '../capture/record.js';
import { readBody } from '../http/body.js';
import { eventFromSse } from '../issuer/catalog.js';
import { heldBytes, redactPrivateKeys } from '../shared/json-safety.js';
import { boundServer, closeServer, listenOn } from '../shared/http-server.js';
import { admitHttpUrlsInLibraries } from '../shared/oid4vc-urls.js';
import { deepMerge, isPlainObject, type JsonObject } from '../shared/json.js';
import { envelopeTexts, sessionView } from './envelope.js';
import { type EventNames, eventName, type Happening, isIssuerLevel } from './events.js';
import { type FaultName, Faults } from './faults.js';
import { guardRefusal } from './guard.js';
import { createIssuerKeys, type IssuerKeys } from './issuer-keys.js';
import { webhookLoop } from './loop-guard.js';
import { type Answer, type Oid4vciHooks, SandboxOid4vci } from './oid4vci.js';
import type { SandboxProfile } from './profiles.js';
import { NEVER_EXPIRES_AT, type OfferGrant, type Session, SessionStore } from './session-store.js';
import { isWaltError, type OfferInput, validateOfferRequest, type WaltError, waltError } from './validation.js';
import { type ClaimOutcome, claimAsWallet, isOutcome, OUTCOMES } from './wallet.js';
import { type DeliveryOutcome, WebhookDispatcher, type WebhookSigning } from './webhook-delivery.js';

export interface SandboxOptions {
  host: string;
  port: number;
  profiles: Map<string, SandboxProfile>;
  /** The base URL put in offers and metadata (a LAN address for a phone wallet); default the listening URL. */
  publicUrl?: string;
  /** Enterprise routes require `Authorization: Bearer <token>` when set. */
  token?: string;
  eventNames: EventNames;
  webhookSigning?: WebhookSigning;
  /** Claim every new offer after this delay… */
  autoClaimMs?: number;
  /** …with this outcome (default success). */
  autoClaimOutcome?: ClaimOutcome;
  /** Live sessions kept at most (default 10,000). */
  maxSessions?: number;
  /** Bytes sessions hold at most: their own credentialData and the events kept for new subscribers (default 128 MB). */
  maxSessionBytes?: number;
  /** Sockets open at once (a file descriptor each); default 1024. */
  maxConnections?: number;
  /**
   * What ends a session at its `expiresAt`: the sandbox's timer (default), or only a request —
   * `expire(id)` or `POST /sandbox/sessions/{id}/expire` — so that a test drives expiry instead of
   * racing a clock. Sessions still report the `expiresAt` they were created with.
   */
  expiry?: 'timer' | 'on-request';
  /** One line per request and per webhook delivery. */
  log?: (line: string) => void;
  /** Request bodies in the log. */
  verbose?: boolean;
  /** Sees every event as the channels carried it: an SSE record, and a webhook record per delivery (`sandbox --ui`). */
  onRecord?: (record: CaptureRecord) => void;
  /** Also serve the metadata at the appended well-known paths (walt.id answers 404 there). */
  legacyWellKnown?: boolean;
  /** Serve the OID4VCI Notification Endpoint (walt.id has none); each notification becomes a session event. */
  notificationEndpoint?: boolean;
  /** `sandbox --fault`: named departures from the spec (sandbox/faults.ts). */
  faults?: readonly FaultName[];
}

const ENTERPRISE_OFFERS = /^\/v2\/([^/.]+\.[^/.]+\.[^/.]+)\.([^/]+)\/issuer-service-api\/credentials\/offers$/;
const ENTERPRISE_EVENTS = /^\/v2\/([^/.]+\.[^/.]+\.[^/.]+)\/issuer-service-api\/issuance-session\/([^/]+)\/events$/;
const MAX_BODY = 1024 * 1024;

/**
 * `legacyWellKnown`: the appended forms (`<issuer>/.well-known/…`) draft-13-era wallets build, and
 * the document each stands for. OID4VCI 1.0 §12.2.2 and RFC 8414 §3 insert the well-known
 * segment before the issuer's path, and walt.id serves only that form.
 */
const LEGACY_WELL_KNOWN: Record<string, string> = {
  '/openid4vci/.well-known/openid-credential-issuer': '/.well-known/openid-credential-issuer/openid4vci',
  '/openid4vci/.well-known/oauth-authorization-server': '/.well-known/oauth-authorization-server/openid4vci',
};

/**
 * The embedded issuer, behaving as walt.id issuer2's source does (docs/providers.md): the
 * management API, sessions, SSE, webhooks, Enterprise routes, and a real OID4VCI issuer at
 * issuer2's paths whose wallet is the real `claim` client.
 */
export class SandboxIssuer {
  readonly store: SessionStore;
  readonly keys: IssuerKeys = createIssuerKeys();
  readonly faults: Faults;
  private readonly oid4vci: SandboxOid4vci;
  private readonly webhooks: WebhookDispatcher;
  private server: Server | undefined;
  private autoClaimsWaiting = 0;
  url = '';

  constructor(private readonly options: SandboxOptions) {
    this.store = new SessionStore(options.maxSessions, options.expiry !== 'on-request', options.maxSessionBytes);
    this.webhooks = new WebhookDispatcher(options.webhookSigning);
    this.faults = new Faults(options.faults);
    const settings = { notificationEndpoint: options.notificationEndpoint, faults: this.faults };
    this.oid4vci = new SandboxOid4vci(this.keys, options.profiles, () => `${this.baseUrl}/openid4vci`, this.oid4vciHooks(), settings);
  }

  get settings(): Readonly<SandboxOptions> {
    return this.options;
  }

  /** Webhook deliveries made (the most recent 1,000), for the demo's summary. */
  get deliveries(): readonly DeliveryOutcome[] {
    return this.webhooks.recent;
  }

  /**
   * `sandbox --tunnel`: the public URL, known once the tunnel is open (after the server listens);
   * offers and metadata made from then on carry it, as with `--public-url`.
   */
  setPublicUrl(url: string): void {
    this.options.publicUrl = url;
  }

  /** Auto-claims that are due and wait for a first SSE subscriber (`autoClaimMs`). */
  get waitingAutoClaims(): number {
    return this.autoClaimsWaiting;
  }

  /** Where wallets reach the issuer: `--public-url`, else the listening URL. */
  get baseUrl(): string {
    return (this.options.publicUrl ?? this.url).replace(/\/+$/, '');
  }

  async start(): Promise<string> {
    // A local test issuer speaks plain http: the OID4VCI libraries' process-wide URL check admits
    // it, the same policy the wallet takes (shared/oid4vc-urls.ts); other config is kept.
    admitHttpUrlsInLibraries();
    this.server = createServer((req, res) => {
      const started = performance.now();
      const requestId = headerValue(req.headers['x-request-id']) ?? randomUUID();
      res.setHeader('x-request-id', requestId);
      res.once('finish', () => this.options.log?.(`${req.method} ${req.url} → ${res.statusCode} ${Math.round(performance.now() - started)}ms`));
      this.route(req, res, requestId).catch((error: Error) => {
        if (!res.headersSent) this.send(res, waltError(500, error.message));
        else res.destroy();
      });
    });
    boundServer(this.server, this.options.maxConnections ?? 1024);
    this.url = await listenOn(this.server, this.options.host, this.options.port);
    return this.url;
  }

  async close(): Promise<void> {
    this.store.closeAll();
    if (this.server) await closeServer(this.server, { drainMs: 2000 });
  }

  private send(res: ServerResponse, error: WaltError): void;
  private send(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void;
  private send(res: ServerResponse, a: WaltError | number, b?: unknown, headers?: Record<string, string>): void {
    const [status, body] = typeof a === 'number' ? [a, b] : [a.status, a.body];
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
    res.end(text);
  }

  private answer(res: ServerResponse, answer: Answer): void {
    if (answer.status === 204) {
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
    } else this.send(res, answer.status, answer.body, answer.headers);
  }

  private async route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const refusal = guardRefusal(req, url.pathname, { host: this.options.host, urls: [this.url, this.options.publicUrl] });
    if (refusal) return this.send(res, refusal);
    const path = (this.options.legacyWellKnown && LEGACY_WELL_KNOWN[url.pathname]) || url.pathname;
    const method = req.method ?? 'GET';
    const key = `${method} ${path}`;
    const param = (pattern: RegExp): string | undefined => {
      const m = pattern.exec(path);
      return m ? safeDecode(m[m.length - 1]!) : undefined;
    };
    let m: RegExpExecArray | null;
    switch (key) {
      case 'GET /':
        return this.send(res, 200, this.index());
      case 'POST /issuer2/credential-offers':
        return this.postOffer(req, res, requestId);
      case 'GET /issuer2/profiles':
        return this.send(res, 200, [...this.options.profiles.values()].map(profileView));
      case 'GET /issuer2/sessions':
        return this.send(
          res,
          200,
          this.store.all().map((s) => sessionView(s, this.keys, 'full')),
        );
      case 'GET /issuer2/events':
        openSse(res);
        return this.store.subscribeAll(res);
      case 'GET /.well-known/openid-credential-issuer/openid4vci':
        return this.send(res, 200, this.oid4vci.credentialIssuerMetadata());
      case 'GET /.well-known/oauth-authorization-server/openid4vci':
        return this.send(res, 200, this.oid4vci.authorizationServerMetadata());
      case 'GET /.well-known/jwt-vc-issuer/openid4vci':
        return this.send(res, 200, this.oid4vci.jwtVcIssuerMetadata());
      case 'GET /openid4vci/jwks':
        return this.send(res, 200, this.oid4vci.jwks());
      case 'GET /openid4vci/credential-offer':
        return this.getOffer(res, url.searchParams.get('id') ?? '', requestId);
      case 'POST /openid4vci/token': {
        const body = await readBody(req, MAX_BODY);
        if (!body) return this.send(res, waltError(413, 'Request body over 1 MB'));
        const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v] as [string, string]])));
        return this.answer(res, await this.oid4vci.token(new URLSearchParams(body.toString('utf8')), { url: `${this.baseUrl}${path}`, headers }, requestId));
      }
      case 'POST /openid4vci/nonce':
        return this.answer(res, await this.oid4vci.nonce(requestId));
      case 'POST /openid4vci/credential': {
        const body = await readBody(req, MAX_BODY);
        const parsed = body ? parseJson(body.toString('utf8')) : undefined;
        if (!isPlainObject(parsed)) return this.send(res, 400, { error: 'invalid_credential_request', error_description: 'body is not a JSON object' });
        const queryToken = url.searchParams.get('access_token') ?? undefined;
        return this.answer(res, await this.oid4vci.credential(headerValue(req.headers.authorization), parsed, requestId, queryToken));
      }
      case 'POST /openid4vci/notification': {
        // walt.id has no Notification Endpoint: without --notification-endpoint, no route (404 below).
        if (!this.options.notificationEndpoint) break;
        const body = await readBody(req, MAX_BODY);
        return this.answer(res, await this.oid4vci.notification(headerValue(req.headers.authorization), body ? parseJson(body.toString('utf8')) : undefined, requestId));
      }
    }
    if (method === 'GET' && (m = /^\/issuer2\/profiles\/([^/]+)$/.exec(path))) {
      const profile = this.options.profiles.get(safeDecode(m[1]!));
      return profile ? this.send(res, 200, profileView(profile)) : this.send(res, waltError(404, `Profile not found: ${m[1]}`));
    }
    const sessionEvents = param(/^\/issuer2\/sessions\/([^/]+)\/events$/);
    if (method === 'GET' && sessionEvents !== undefined) return this.sse(res, sessionEvents);
    const sessionId = param(/^\/issuer2\/sessions\/([^/]+)$/);
    if (method === 'GET' && sessionId !== undefined) {
      const session = this.store.get(sessionId);
      return session ? this.send(res, 200, sessionView(session, this.keys, 'full')) : this.send(res, waltError(404, `Session not found: ${sessionId}`));
    }
    if ((m = ENTERPRISE_OFFERS.exec(path))) {
      if (method !== 'POST') return this.send(res, waltError(405, `${method} not allowed; POST an offer`));
      if (!this.authorized(req)) return this.send(res, waltError(401, 'Invalid or missing bearer token'));
      return this.postOffer(req, res, requestId, safeDecode(m[2]!));
    }
    if (method === 'GET' && (m = ENTERPRISE_EVENTS.exec(path))) {
      if (!this.authorized(req)) return this.send(res, waltError(401, 'Invalid or missing bearer token'));
      return this.sse(res, safeDecode(m[2]!));
    }
    const expireId = param(/^\/sandbox\/sessions\/([^/]+)\/expire$/);
    if (expireId !== undefined) {
      if (method !== 'POST') return this.send(res, waltError(405, `POST this route to expire the session now: curl -X POST "${this.url}/sandbox/sessions/${expireId}/expire"`));
      return this.expire(expireId) ? this.send(res, 200, { sessionId: expireId, status: 'EXPIRED' }) : this.send(res, waltError(404, `Session not found: ${expireId}`));
    }
    const claimId = param(/^\/sandbox\/sessions\/([^/]+)\/claim$/);
    if (claimId !== undefined) {
      if (method !== 'POST') return this.send(res, waltError(405, `POST this route to claim: curl -X POST "${this.url}/sandbox/sessions/${claimId}/claim?outcome=success"`));
      const outcome = url.searchParams.get('outcome') ?? 'success';
      if (!isOutcome(outcome)) return this.send(res, waltError(400, `outcome must be one of ${OUTCOMES.join(', ')}`));
      const result = await this.claim(claimId, outcome);
      return 'body' in result ? this.send(res, result) : this.send(res, 200, result);
    }
    this.send(res, waltError(404, `No route for ${method} ${path}`));
  }

  private index(): unknown {
    return {
      name: 'issuer-events sandbox (walt.id issuer2 wire format)',
      eventNames: this.options.eventNames,
      credentialIssuer: `${this.baseUrl}/openid4vci`,
      routes: [
        'POST /issuer2/credential-offers',
        'GET /issuer2/profiles[/{id}]',
        'GET /issuer2/sessions[/{id}]',
        'GET /issuer2/sessions/{id}/events',
        'GET /issuer2/events',
        'GET /.well-known/openid-credential-issuer/openid4vci',
        'POST /openid4vci/{token,nonce,credential}',
        'POST /sandbox/sessions/{id}/claim?outcome=success|fail|wrong-tx-code',
        'POST /sandbox/sessions/{id}/expire',
      ],
    };
  }

  private authorized(req: IncomingMessage): boolean {
    return !this.options.token || req.headers.authorization === `Bearer ${this.options.token}`;
  }

  private async postOffer(req: IncomingMessage, res: ServerResponse, requestId: string, profileFromPath?: string): Promise<void> {
    const body = await readBody(req, MAX_BODY);
    if (body === undefined) return this.send(res, waltError(413, 'Request body over 1 MB'));
    const text = body.toString('utf8');
    if (this.options.verbose) this.options.log?.(`  body: ${text}`);
    const raw = parseJson(text);
    if (raw === undefined) return this.send(res, waltError(400, 'Request body is not valid JSON'));
    const input = validateOfferRequest(raw, profileFromPath);
    if (isWaltError(input)) return this.send(res, input);
    const profile = this.options.profiles.get(input.profileId);
    if (!profile) return this.send(res, waltError(404, `Profile not found: ${input.profileId}`));
    const loop = input.webhookUrl ? await webhookLoop(input.webhookUrl, { listening: this.url, public: this.options.publicUrl }) : undefined;
    if (loop) return this.send(res, waltError(400, loop));
    // The session's own data (an override merged into the profile's) counts against the store's byte bound.
    const credentialData = credentialDataOf(profile, input);
    const bytes = credentialData === profile.credentialData ? 0 : heldBytes(credentialData);
    const full = this.store.refusal(input.sessionId, bytes);
    if (full) return this.send(res, waltError(503, full));
    const session = this.store.create(profile, input, (grant) => ({ credentialOffer: this.offerUri(grant), credentialData }));
    this.store.hold(session, bytes);
    // Current walt.id reports the creation (webhook and /issuer2/events) before it answers 201.
    await this.emit('offer-created', session, requestId);
    const response: JsonObject = {
      offerId: session.id,
      profileId: profile.id,
      authMethod: input.authMethod,
      ...(input.issuerStateMode ? { issuerStateMode: input.issuerStateMode } : {}),
      expiresAt: Number.isFinite(session.expiresAt) ? session.expiresAt : NEVER_EXPIRES_AT,
      ...(session.txCodeValue ? { txCodeValue: session.txCodeValue } : {}),
      credentialOffer: session.credentialOffer,
    };
    this.send(res, 201, response);
    if (this.options.autoClaimMs !== undefined)
      setTimeout(() => void this.autoClaim(session).catch((e: Error) => this.options.log?.(`auto-claim failed: ${e.message}`)), this.options.autoClaimMs).unref();
  }

  private offerUri(grant: OfferGrant): string {
    // OID4VCI 1.0 §4.1: by value, the offer object itself (grants included) is the parameter.
    if (grant.offer.valueMode === 'BY_VALUE') return `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(this.oid4vci.offerObject(grant)))}`;
    return `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(`${this.baseUrl}/openid4vci/credential-offer?id=${grant.id}`)}`;
  }

  private async getOffer(res: ServerResponse, id: string, requestId: string): Promise<void> {
    const session = this.store.get(id);
    if (!session) return this.send(res, waltError(404, `Unknown credential offer: ${id}`));
    await this.emit('offer-retrieved', session, requestId);
    this.send(res, 200, this.oid4vci.offerObject(session));
  }

  private sse(res: ServerResponse, id: string): void {
    openSse(res);
    const session = this.store.get(id);
    // walt.id answers an unknown or expired session with 200 and closes the stream at once.
    if (!session) return void res.end();
    this.store.subscribe(session, res);
  }

  // Each event carries the id of the request that caused it (walt.id's `requestId`, echoed as X-Request-Id).
  private oid4vciHooks(): Oid4vciHooks {
    return {
      sessionById: (sessionId) => this.store.get(sessionId),
      sessionByPreAuthorizedCode: (code) => this.store.byPreAuthorizedCode(code),
      tokenSucceeded: (session, requestId) => this.emit('token-succeeded', session, requestId),
      tokenFailed: (session, requestId, error, description) => this.emit(session ? 'token-failed' : 'token-uncorrelated-failure', session, requestId, { error, description }),
      nonceIssued: (requestId) => this.emit('nonce-succeeded', undefined, requestId),
      credentialIssued: async (session, requestId) => {
        await this.emit('credential-succeeded', session, requestId);
        await this.emit('status-changed', session, requestId);
      },
      credentialFailed: async (session, requestId, error, description) => {
        await this.emit('credential-failed', session, requestId, { error, description });
        // v1.0.0-PRE and the interim generation report a failed credential with the status event only.
        const failure = this.options.eventNames === 'current' ? undefined : { error, description };
        await this.emit('status-changed', session, requestId, failure);
      },
      notified: (session, requestId, notification) => this.emit(`notification-${notification.event}`, session, requestId, undefined, { ...notification }),
    };
  }

  /** Sends one event as the configured generation names it, to the channels walt.id uses for it. */
  private async emit(
    happening: Happening,
    session: Session | undefined,
    requestId: string,
    failure?: { error: string; description: string },
    notification?: JsonObject,
  ): Promise<void> {
    const names = this.options.eventNames;
    const event = eventName(names, happening, session?.profile.format ?? 'w3c_vc');
    if (!event) return;
    const issuerLevel = isIssuerLevel(happening) || !session;
    const texts = envelopeTexts(
      {
        target: issuerLevel ? requestId : session.id,
        event,
        session: issuerLevel ? {} : sessionView(session, this.keys, names === 'legacy' ? 'full' : 'redacted'),
        requestId,
        error: failure?.error,
        errorDescription: failure?.description,
        notification,
      },
      names,
    );
    if (!this.faults.has('no-sse-events')) {
      // credential_offer_created goes to the webhook and /issuer2/events, not to the session stream.
      this.store.publish(happening === 'offer-created' || issuerLevel ? undefined : session, texts.sse);
      const streamUrl = issuerLevel || happening === 'offer-created' ? `${this.baseUrl}/issuer2/events` : `${this.baseUrl}/issuer2/sessions/${session.id}/events`;
      this.options.onRecord?.(sandboxSseRecord(texts.sse, streamUrl));
    }
    if (issuerLevel || !session.webhookUrl || this.faults.has('no-webhooks')) return;
    const outcome = await this.webhooks.deliver(session.webhookUrl, texts.webhook);
    this.options.onRecord?.(sandboxWebhookRecord(texts.webhook, outcome, this.options.webhookSigning?.scheme));
    // Delivery failures are logged, never fatal (walt.id does not retry either).
    this.options.log?.(`webhook ${event} → ${outcome.url}: ${outcome.status ?? outcome.error} ${Math.round(outcome.ms)}ms`);
  }

  /**
   * `--auto-claim`: events before the first SSE subscriber are not delivered (like walt.id), so
   * the wallet waits up to 5 s more for one — a `tail` started right after the offer sees them all.
   */
  private async autoClaim(session: Session): Promise<void> {
    this.autoClaimsWaiting++;
    try {
      for (let waited = 0; session.subscribers.size === 0 && this.store.global.size === 0 && waited < 5000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      this.autoClaimsWaiting--;
    }
    await this.claim(session.id, this.options.autoClaimOutcome ?? 'success');
  }

  /**
   * Ends a session now, as its `expiresAt` does: deleted without an event, its open streams left
   * open (walt.id's behaviour). False when there is no such session.
   */
  expire(id: string): boolean {
    return this.store.expire(id);
  }

  /** The wallet claims the session's offer for real; resolves with the session's status afterwards. */
  async claim(id: string, outcome: ClaimOutcome): Promise<{ sessionId: string; outcome: ClaimOutcome; status: string; refused?: string } | WaltError> {
    const session = this.store.get(id);
    if (!session) return waltError(404, `Session not found: ${id}`);
    if (session.status !== 'ACTIVE') return waltError(409, `Session ${id} is ${session.status}`);
    if (session.offer.authMethod !== 'PRE_AUTHORIZED') return waltError(400, 'the sandbox wallet claims PRE_AUTHORIZED offers only');
    if (outcome === 'wrong-tx-code' && session.txCodeValue === undefined) return waltError(400, 'outcome wrong-tx-code needs an offer with a txCode');
    const { refused } = await claimAsWallet(session, outcome);
    return { sessionId: id, outcome, status: session.status, ...(refused ? { refused } : {}) };
  }
}

function profileView(profile: SandboxProfile): JsonObject {
  return {
    profileId: profile.id,
    credentialConfigurationId: profile.credentialConfigurationId,
    format: profile.format,
    credentialData: profile.credentialData,
    notifications: profile.webhookUrl ? { webhook: { url: profile.webhookUrl } } : null,
  };
}

function credentialDataOf(profile: SandboxProfile, input: OfferInput): JsonObject {
  const patch = input.runtimeOverrides?.credentialData;
  return isPlainObject(patch) ? deepMerge(profile.credentialData, patch) : profile.credentialData;
}

function openSse(res: ServerResponse): void {
  res.writeHead(200, { ...SSE_HEADERS, connection: 'keep-alive' });
  res.flushHeaders();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** An event as the sandbox put it on a stream, in capture-record form. */
function sandboxSseRecord(text: string, url: string): CaptureRecord {
  return redacted(sseRecord(eventFromSse({ data: text })!, { url }));
}

/** The legacy generation carries the issuer's private JWK in every event: never shown (contract). */
function redacted(record: CaptureRecord): CaptureRecord {
  const paths = redactPrivateKeys(record.data);
  if (paths.length) markRedacted(record, paths);
  return record;
}

/** A webhook the sandbox sent, in capture-record form, with the receiver's answer as `responseStatus`. */
function sandboxWebhookRecord(text: string, outcome: DeliveryOutcome, scheme: WebhookSigning['scheme'] | undefined): CaptureRecord {
  const event = eventFromSse({ data: text })!;
  const record: CaptureRecord = {
    ...sseRecord(event, { url: outcome.url }),
    source: 'webhook',
    scheme: scheme ?? 'none',
    verified: false,
    reason: outcome.error ?? null,
    acceptance: scheme ? 'verified' : 'unsigned',
    request: capturedRequest('POST', new URL(outcome.url).pathname, outcome.headers, Buffer.from(text, 'utf8')),
  };
  if (outcome.status !== undefined) record.responseStatus = outcome.status;
  else record.acceptance = 'rejected';
  return redacted(record);
}
