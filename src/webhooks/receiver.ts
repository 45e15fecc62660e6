import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { capturedRequest, isoNow, serializeRecord, type CaptureRecord } from '../capture/record.js';
import type { CaptureWriter } from '../capture/writer.js';
import { discardBody, readBody } from '../http/body.js';
import { closeServer, listenOn } from '../shared/http-server.js';
import { isFormEncoded, isJsonType } from '../shared/http-headers.js';
import { RecentKeys } from '../shared/recent-keys.js';
import { verifyDelivery } from './index.js';
import { normalizePayload, type NormalizedPayload } from './providers.js';
import type { Delivery, HmacOptions, Verdict } from './types.js';

export interface ReceiverOptions {
  host: string;
  port: number;
  /** When set, other paths answer 404. */
  path?: string;
  scheme: string;
  secrets: string[];
  toleranceSec: number;
  allowUnsigned: boolean;
  maxBody: number;
  hmac?: HmacOptions;
  capture?: CaptureWriter;
  /** Bound on waiting for in-flight requests at close (ms). */
  drainMs?: number;
  /** Called after each request has been recorded and answered. */
  onResult?(result: ReceiveResult): void;
}

/** How a request was judged: a typed code; the human reason is in `record.reason`. */
export type Acceptance = 'verified' | 'unsigned' | 'ping' | 'rejected';

export interface ReceiveResult {
  status: number;
  acceptance: Acceptance;
  record: CaptureRecord;
  /** Accepted deliveries that are events (not pings, not duplicates). */
  counted: boolean;
  duplicate: boolean;
  ping: boolean;
  verdict?: Verdict;
  /** Raw body and headers, for --forward-to. */
  delivery?: Delivery;
}

/** A request refused before or after verification. */
interface Rejection {
  status: number;
  /** Local log only. */
  reason: string;
  /** What the sender is told. */
  publicMessage: string;
  body?: Buffer;
  extra?: Partial<CaptureRecord>;
  headers?: Record<string, string>;
}

const OK_BODY = { ok: true };
const OK_TEXT = JSON.stringify(OK_BODY);
const JSON_HEADERS = { 'content-type': 'application/json' };
const OK_HEADERS = ['content-type', 'application/json', 'content-length', String(OK_TEXT.length)];

/**
 * The webhook receiver behind `listen`: raw bytes first, then verification, deduplication,
 * capture and only then the response (docs/architecture.md, "listen").
 */
export class WebhookReceiver {
  private readonly server: Server;
  private readonly seen = new RecentKeys(100_000);
  private inflight = 0;
  private drainWaiters: (() => void)[] = [];
  url = '';

  constructor(private readonly options: ReceiverOptions) {
    this.server = createServer((req, res) => {
      this.inflight++;
      res.once('close', () => this.done());
      this.handle(req, res).catch((error: Error) => {
        // The only failure left here is the capture file: answer 500 so the sender retries.
        if (!res.headersSent) this.respond(res, 500, { error: 'capture failed' });
        else res.destroy();
        process.emitWarning(`capture write failed: ${error.message}`);
      });
    });
    this.server.keepAliveTimeout = 5000;
  }

  async start(): Promise<string> {
    this.url = `${await listenOn(this.server, this.options.host, this.options.port)}${this.options.path ?? '/'}`;
    return this.url;
  }

  /** Stops accepting, lets in-flight requests finish (they are recorded) for a bounded time, then resolves. */
  async close(): Promise<void> {
    const drained = this.inflight === 0 ? undefined : new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    await closeServer(this.server, { inflight: drained, drainMs: this.options.drainMs });
  }

  private done(): void {
    this.inflight--;
    if (this.inflight === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  private respond(res: ServerResponse, status: number, body: object, headers?: Record<string, string>): void {
    if (body === OK_BODY) {
      // The hot path: a constant answer with its headers prepared once.
      res.writeHead(200, OK_HEADERS);
      res.end(OK_TEXT);
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { ...JSON_HEADERS, 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  }

  private baseRecord(req: IncomingMessage, path: string, body: Buffer | undefined): CaptureRecord {
    return {
      v: 1,
      source: 'webhook',
      receivedAt: isoNow(),
      provider: 'unknown',
      type: null,
      sessionId: null,
      status: null,
      terminal: false,
      id: null,
      data: null,
      verified: false,
      scheme: null,
      reason: null,
      duplicate: false,
      request: capturedRequest(req.method ?? 'GET', path, req.headers, body),
    };
  }

  /** Records a rejected request, then answers it. */
  private async reject(req: IncomingMessage, res: ServerResponse, path: string, rejection: Rejection): Promise<void> {
    const { status, reason, publicMessage, body, extra, headers } = rejection;
    const record: CaptureRecord = { ...this.baseRecord(req, path, body), ...extra, reason, acceptance: 'rejected', responseStatus: status };
    await this.options.capture?.write(record);
    this.respond(res, status, { error: publicMessage }, headers);
    this.options.onResult?.({ status, acceptance: 'rejected', record, counted: false, duplicate: false, ping: false });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    if (this.options.path !== undefined && path !== this.options.path) {
      req.resume();
      return this.reject(req, res, path, { status: 404, reason: `no receiver at ${path}`, publicMessage: 'not found' });
    }
    if (req.method !== 'POST') {
      req.resume();
      return this.reject(req, res, path, { status: 405, reason: `method ${req.method} not allowed`, publicMessage: 'method not allowed', headers: { allow: 'POST' } });
    }
    const declared = Number(req.headers['content-length']);
    if (declared > this.options.maxBody) {
      discardBody(req);
      return this.reject(req, res, path, { status: 413, reason: `body of ${declared} bytes exceeds --max-body ${this.options.maxBody}`, publicMessage: 'payload too large' });
    }
    const body = await readBody(req, this.options.maxBody);
    if (body === undefined) {
      return this.reject(req, res, path, { status: 413, reason: `body exceeds --max-body ${this.options.maxBody} bytes`, publicMessage: 'payload too large' });
    }
    await this.accept(req, res, path, body);
  }

  private verify(delivery: Delivery): Verdict {
    const { scheme, secrets, toleranceSec, hmac } = this.options;
    return verifyDelivery(delivery, scheme, { secrets, toleranceSec, nowMs: Date.now(), hmac });
  }

  /** iGrant pings (empty body, no signature) are accepted and recorded but are not events. */
  private judge(verdict: Verdict, body: Buffer): Acceptance {
    if (verdict.ok && verdict.code === 'valid') return 'verified';
    const unsigned = verdict.code === 'unsigned';
    if (unsigned && body.length === 0) return 'ping';
    if (verdict.ok || (unsigned && this.options.allowUnsigned)) return 'unsigned';
    return 'rejected';
  }

  private describe(record: CaptureRecord, normalized: NormalizedPayload, verdict: Verdict, acceptance: Acceptance): void {
    record.provider = normalized.provider;
    record.type = normalized.type;
    record.sessionId = normalized.sessionId;
    record.status = normalized.status;
    record.terminal = normalized.terminal;
    // Only what the verifying scheme signed identifies a delivery: unsigned headers never do.
    record.id = acceptance === 'verified' ? (verdict.deliveryId ?? null) : null;
    record.data = normalized.data;
    record.verified = acceptance === 'verified';
    record.scheme = verdict.scheme;
    record.acceptance = acceptance;
    record.reason = acceptance === 'ping' ? 'ping' : acceptance === 'unsigned' ? 'unsigned (allowed)' : acceptance === 'rejected' ? verdict.reason : null;
    record.responseStatus = acceptance === 'rejected' ? 401 : 200;
  }

  private async accept(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): Promise<void> {
    const delivery: Delivery = { headers: req.headers as Delivery['headers'], body };
    const verdict = this.verify(delivery);
    const acceptance = this.judge(verdict, body);
    const record = this.baseRecord(req, path, body);
    // The body text decoded for the record is reused for the payload.
    const normalized = normalizePayload(delivery, verdict.scheme, record.request?.body);
    this.describe(record, normalized, verdict, acceptance);
    const ping = acceptance === 'ping';
    if (acceptance === 'rejected') {
      await this.options.capture?.write(record);
      // The reason stays in the local log; the sender gets a generic answer.
      this.respond(res, 401, { error: 'invalid signature' });
      this.options.onResult?.({ status: 401, acceptance, record, counted: false, duplicate: false, ping: false, verdict });
      return;
    }
    if (!ping && typeof normalized.data === 'string' && isJsonType(req.headers['content-type'])) {
      return this.reject(req, res, path, {
        status: 400,
        reason: 'body is not valid JSON',
        publicMessage: 'malformed body',
        body,
        extra: { verified: record.verified, scheme: record.scheme, id: record.id },
      });
    }
    const id = record.id;
    // A repeated delivery id is answered 2xx and neither recorded nor counted again.
    if (id !== null && this.seen.seen(id)) {
      this.respond(res, 200, { ok: true, duplicate: true });
      this.options.onResult?.({ status: 200, acceptance, record: { ...record, duplicate: true }, counted: false, duplicate: true, ping, verdict });
      return;
    }
    try {
      // The payload's JSON is the body text itself (unless form-encoded): spliced in, not re-serialised.
      const raw = record.request?.body !== undefined && normalized.data !== null && !isFormEncoded(req.headers['content-type']) ? record.request.body : undefined;
      await this.options.capture?.writeLine(serializeRecord(record, raw));
    } catch (error) {
      if (id !== null) this.seen.forget(id);
      throw error;
    }
    this.respond(res, 200, OK_BODY);
    this.options.onResult?.({ status: 200, acceptance, record, counted: !ping, duplicate: false, ping, verdict, delivery });
  }
}
