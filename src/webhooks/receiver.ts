import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { capturedRequest, isoNow, serializeRecord, type CaptureRecord } from '../capture/record.js';
import type { CaptureWriter } from '../capture/writer.js';
import { discardBody, readBody } from '../http/body.js';
import { RecentKeys } from '../sse/dedupe.js';
import { verifyDelivery } from './index.js';
import { deliveryIdOf, normalizePayload } from './providers.js';
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
  /** Called after each request has been recorded and answered. */
  onResult?(result: ReceiveResult): void;
}

export interface ReceiveResult {
  status: number;
  record: CaptureRecord;
  /** Accepted deliveries that are events (not pings, not duplicates). */
  counted: boolean;
  duplicate: boolean;
  ping: boolean;
  verdict?: Verdict;
  /** Raw body and headers, for --forward-to. */
  delivery?: Delivery;
}

const OK_BODY = { ok: true };
const OK_TEXT = JSON.stringify(OK_BODY);
const JSON_HEADERS = { 'content-type': 'application/json' };
const OK_HEADERS = ['content-type', 'application/json', 'content-length', String(OK_TEXT.length)];
const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;

/**
 * The webhook receiver behind `listen`: raw bytes first, then verification, deduplication,
 * capture and only then the response (CONTRACT.md, "listen").
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
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `http://${host}:${address.port}${this.options.path ?? '/'}`;
    return this.url;
  }

  /** Stops accepting, lets in-flight requests finish (they are recorded), then resolves. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    if (this.inflight > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    this.server.closeAllConnections();
    await closed;
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
  private async reject(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer | undefined, status: number, reason: string, publicMessage: string, extra: Partial<CaptureRecord> = {}, headers: Record<string, string> = {}): Promise<void> {
    const record = { ...this.baseRecord(req, path, body), ...extra, reason, responseStatus: status };
    await this.options.capture?.write(record);
    this.respond(res, status, { error: publicMessage }, headers);
    this.options.onResult?.({ status, record, counted: false, duplicate: false, ping: false, verdict: undefined });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    if (this.options.path !== undefined && path !== this.options.path) {
      req.resume();
      return this.reject(req, res, path, undefined, 404, `no receiver at ${path}`, 'not found');
    }
    if (req.method !== 'POST') {
      req.resume();
      return this.reject(req, res, path, undefined, 405, `method ${req.method} not allowed`, 'method not allowed', {}, { allow: 'POST' });
    }
    const declared = Number(req.headers['content-length']);
    if (declared > this.options.maxBody) {
      discardBody(req);
      return this.reject(req, res, path, undefined, 413, `body of ${declared} bytes exceeds --max-body ${this.options.maxBody}`, 'payload too large');
    }
    const body = await readBody(req, this.options.maxBody);
    if (body === undefined) {
      return this.reject(req, res, path, undefined, 413, `body exceeds --max-body ${this.options.maxBody} bytes`, 'payload too large');
    }
    await this.accept(req, res, path, body);
  }

  private async accept(req: IncomingMessage, res: ServerResponse, path: string, body: Buffer): Promise<void> {
    const delivery: Delivery = { headers: req.headers as Delivery['headers'], body };
    const verdict = verifyDelivery(delivery, this.options.scheme, {
      secrets: this.options.secrets,
      toleranceSec: this.options.toleranceSec,
      nowMs: Date.now(),
      hmac: this.options.hmac,
    });
    const unsigned = verdict.code === 'unsigned';
    // iGrant pings: an empty body without a signature is answered 2xx and recorded, not counted.
    const ping = unsigned && body.length === 0;
    const accepted = verdict.ok || ping || (unsigned && this.options.allowUnsigned);
    const record = this.baseRecord(req, path, body);
    // The body text decoded for the record is reused for the payload.
    const normalized = normalizePayload(delivery, verdict.scheme, record.request?.body);
    const id = deliveryIdOf(delivery.headers, normalized.data);
    record.provider = normalized.provider;
    record.type = normalized.type;
    record.sessionId = normalized.sessionId;
    record.status = normalized.status;
    record.terminal = normalized.terminal;
    record.id = id;
    record.data = normalized.data;
    record.verified = verdict.ok && verdict.code === 'valid';
    record.scheme = verdict.scheme;
    record.reason = accepted ? (unsigned ? (ping ? 'ping' : 'unsigned (allowed)') : null) : verdict.reason;
    record.responseStatus = accepted ? 200 : 401;
    if (!accepted) {
      await this.options.capture?.write(record);
      // The reason stays in the local log; the sender gets a generic answer.
      this.respond(res, 401, { error: 'invalid signature' });
      this.options.onResult?.({ status: 401, record, counted: false, duplicate: false, ping: false, verdict });
      return;
    }
    if (!ping && typeof normalized.data === 'string' && JSON_TYPE.test(req.headers['content-type'] ?? '')) {
      return this.reject(req, res, path, body, 400, 'body is not valid JSON', 'malformed body', { verified: record.verified, scheme: record.scheme, id });
    }
    // A repeated delivery id is answered 2xx and neither recorded nor counted again.
    if (id !== null && this.seen.seen(id)) {
      this.respond(res, 200, { ok: true, duplicate: true });
      this.options.onResult?.({ status: 200, record: { ...record, duplicate: true }, counted: false, duplicate: true, ping, verdict });
      return;
    }
    try {
      // The payload's JSON is the body text itself (unless form-encoded): spliced in, not re-serialised.
      const raw = record.request?.body !== undefined && normalized.data !== null && !/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '') ? record.request.body : undefined;
      await this.options.capture?.writeLine(serializeRecord(record, raw));
    } catch (error) {
      if (id !== null) this.seen.forget(id);
      throw error;
    }
    this.respond(res, 200, OK_BODY);
    this.options.onResult?.({ status: 200, record, counted: !ping, duplicate: false, ping, verdict, delivery });
  }
}
