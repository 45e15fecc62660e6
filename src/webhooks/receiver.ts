import { isUtf8 } from 'node:buffer';
import { hash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { capturedRequest, isoNow, keepRawData, markRedacted, type CaptureRecord } from '../capture/record.js';
import type { CaptureWriter } from '../capture/writer.js';
import { discardBody, readBody } from '../http/body.js';
import type { ErrorKind } from '../errors.js';
import { formatSize } from '../shared/duration.js';
import { boundServer, closeServer, listenOn } from '../shared/http-server.js';
import { isFormEncoded, isJsonType } from '../shared/http-headers.js';
import { redactPrivateKeys } from '../shared/json-safety.js';
import { type SchemeChoice, verifyDelivery } from './index.js';
import { normalizePayload, type NormalizedPayload } from './providers.js';
import type { Delivery, HmacOptions, Verdict } from './types.js';

export interface ReceiverOptions {
  host: string;
  port: number;
  /** When set, other paths answer 404. */
  path?: string;
  scheme: SchemeChoice;
  secrets: string[];
  toleranceSec: number;
  allowUnsigned: boolean;
  maxBody: number;
  hmac?: HmacOptions;
  capture?: CaptureWriter;
  /** Bound on waiting for in-flight requests at close (ms). */
  drainMs?: number;
  /** Open connections at most (default 1024): a flood of half-open sockets cannot exhaust file descriptors. */
  maxConnections?: number;
  /** Replace private JWK members in payloads by "[redacted]" (default true). */
  redact?: boolean;
  /** Bytes of rejected bodies kept in the capture at most, all together (default 64 MB). */
  rejectedBudgetBytes?: number;
  /** False when the work behind an accepted delivery (forwarding) is saturated: answered 503. */
  admit?(): boolean;
  /** A capture write failed: the request was answered 503 (the sender retries). */
  onCaptureError?(error: Error): void;
  /** Called after each request has been recorded and answered. */
  onResult?(result: ReceiveResult): void;
}

/** How a request was judged: a typed code; the human reason is in `record.reason`. */
type Acceptance = 'verified' | 'unsigned' | 'ping' | 'rejected';

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
  /** A repeated delivery id with a different body than the first one. */
  conflict?: boolean;
  /** A rejection's kind, when a setting changes it (a body over the limit): the CLI names its flag. */
  kind?: ErrorKind;
}

/** A request refused before or after verification. */
interface Rejection {
  status: number;
  /** Local log only (the capture record's `reason`): in the receiver's words, no flag. */
  reason: string;
  kind?: ErrorKind;
  /** What the sender is told. */
  publicMessage: string;
  body?: Buffer;
  extra?: Partial<CaptureRecord>;
  headers?: Record<string, string>;
}

/** The first bytes of a rejected body that are kept: enough to see what it was. */
const REJECTED_BODY_BYTES = 64 * 1024;
/** Ids longer than this are hashed before they enter the dedupe window (memory stays bounded). */
const MAX_ID_BYTES = 256;
const DEDUPE_WINDOW = 100_000;

/** A delivery id in the dedupe window. */
interface SeenDelivery {
  /** SHA-256 of the body first recorded under the id: a different body is a conflict. */
  bodyHash: string;
  /** True while that first record is being written. */
  writing: boolean;
  /** Retries that arrived during the write: told the original's answer (200 or 503). */
  waiters?: ((status: number) => void)[];
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
  /** Delivery id → the first delivery recorded (or being recorded) under it: one lookup per delivery. */
  private readonly seen = new Map<string, SeenDelivery>();
  private rejectedBytes = 0;
  private inflight = 0;
  private drainWaiters: (() => void)[] = [];
  url = '';

  constructor(private readonly options: ReceiverOptions) {
    this.server = createServer((req, res) => {
      this.inflight++;
      res.on('close', this.done);
      this.handle(req, res).catch((error: Error) => {
        // A sender that went away mid-body: nothing was received, nothing to record or say.
        if (req.destroyed || (error as NodeJS.ErrnoException).code === 'ECONNRESET') return;
        if (!res.headersSent) this.respond(res, 500, { error: 'internal error' });
        else res.destroy();
        process.emitWarning(`request failed: ${error.message}`);
      });
    });
    boundServer(this.server, options.maxConnections ?? 1024);
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

  // A field, not a method: one function for every response's 'close', no closure per request.
  private readonly done = (): void => {
    this.inflight--;
    if (this.inflight === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
  };

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

  /** Records a rejected request (its body once, capped, within a budget), then answers it. */
  private async reject(req: IncomingMessage, res: ServerResponse, path: string, rejection: Rejection): Promise<void> {
    const { status, reason, kind, publicMessage, body, extra, headers } = rejection;
    const record: CaptureRecord = { ...this.baseRecord(req, path, undefined), ...extra, data: null, reason, acceptance: 'rejected', responseStatus: status };
    this.keepRejectedBody(record, body);
    if (!(await this.capture(record))) return this.respond(res, 503, { error: 'capture unavailable' });
    this.respond(res, status, { error: publicMessage }, headers);
    this.options.onResult?.({ status, acceptance: 'rejected', record, counted: false, duplicate: false, ping: false, kind });
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
      const reason = `body of ${declared} bytes exceeds the limit of ${formatSize(this.options.maxBody)}`;
      return this.reject(req, res, path, { status: 413, reason, kind: 'body-too-large', publicMessage: 'payload too large' });
    }
    const body = await readBody(req, this.options.maxBody);
    if (body === undefined) {
      const reason = `body exceeds the limit of ${formatSize(this.options.maxBody)}`;
      return this.reject(req, res, path, { status: 413, reason, kind: 'body-too-large', publicMessage: 'payload too large' });
    }
    await this.accept(req, res, path, body);
  }

  /**
   * Unauthenticated traffic must not fill the disk: a rejected body is kept once, cut to its
   * first 64 KB, and only while the run's budget for rejected bytes lasts.
   */
  private keepRejectedBody(record: CaptureRecord, body: Buffer | undefined): void {
    if (!body || !record.request) return;
    const budget = this.options.rejectedBudgetBytes ?? 64 * 1024 * 1024;
    const kept = body.subarray(0, REJECTED_BODY_BYTES);
    if (this.rejectedBytes + kept.length > budget) {
      record.request = { ...record.request, bodyOmitted: true, bodySize: body.length };
      return;
    }
    this.rejectedBytes += kept.length;
    // Control bytes would be stored as 6-byte \u escapes: such a body is kept in base64 instead.
    const text = isUtf8(kept) ? kept.toString('utf8') : undefined;
    const printable = text !== undefined && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text);
    const { body: _b, bodyBase64: _b64, ...rest } = record.request;
    record.request = printable ? { ...rest, body: text } : { ...rest, bodyBase64: kept.toString('base64') };
    if (kept.length < body.length) Object.assign(record.request, { bodyTruncated: true, bodySize: body.length });
  }

  /** Writes a record; false when the capture could not be written. */
  private async capture(record: CaptureRecord): Promise<boolean> {
    const capture = this.options.capture;
    if (!capture) return true;
    try {
      await capture.write(record);
      return true;
    } catch (error) {
      this.options.onCaptureError?.(error as Error);
      return false;
    }
  }

  private verify(delivery: Delivery): Verdict {
    const { scheme, secrets, toleranceSec, hmac } = this.options;
    return verifyDelivery(delivery, scheme, { secrets, toleranceSec, nowMs: Date.now(), hmac });
  }

  /** iGrant pings (empty body, no signature) are accepted and recorded but are not events. */
  private judge(verdict: Verdict, body: Buffer): Acceptance {
    if (verdict.accepted && verdict.code === 'valid') return 'verified';
    const unsigned = verdict.code === 'unsigned';
    if (unsigned && body.length === 0) return 'ping';
    if (verdict.accepted || (unsigned && this.options.allowUnsigned)) return 'unsigned';
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
      record.data = null;
      this.keepRejectedBody(record, body);
      if (!(await this.capture(record))) return this.respond(res, 503, { error: 'capture unavailable' });
      // The reason stays in the local log; the sender gets a generic answer.
      this.respond(res, 401, { error: 'invalid signature' });
      this.options.onResult?.({ status: 401, acceptance, record, counted: false, duplicate: false, ping: false, verdict });
      return;
    }
    if (!ping && typeof normalized.data === 'string' && isJsonType(req.headers['content-type']) && !isJson(normalized.data)) {
      return this.reject(req, res, path, {
        status: 400,
        reason: 'body is not valid JSON',
        publicMessage: 'malformed body',
        body,
        extra: { verified: record.verified, scheme: record.scheme, id: record.id },
      });
    }
    // Only a body that mentions a JWK (`"kty"`) can hold key material: the walk is skipped otherwise.
    const redacted = this.options.redact === false || !record.request?.body?.includes('"kty"') ? [] : redactPrivateKeys(record.data);
    if (redacted.length > 0) markRedacted(record, redacted);
    const key = dedupeKey(record.id);
    // One-shot hash: no Hash object per delivery (this runs for every accepted delivery).
    const bodyHash = hash('sha256', body, 'base64');
    const seen = key === null ? undefined : this.seen.get(key);
    if (seen !== undefined) return this.repeated(res, seen, bodyHash, record, acceptance, verdict, ping);
    if (this.options.admit && !ping && !this.options.admit()) return this.respond(res, 503, { error: 'busy, retry later' });
    const entry: SeenDelivery | undefined = key === null ? undefined : { bodyHash, writing: true };
    if (key !== null) this.remember(key, entry!);
    // The payload's JSON is the body text itself (unless form-encoded or redacted): spliced in, not re-serialised.
    if (redacted.length === 0 && record.request?.body !== undefined && normalized.data !== null && !isFormEncoded(req.headers['content-type'])) {
      keepRawData(record, record.request.body);
    }
    const written = await this.capture(record);
    if (entry !== undefined) {
      entry.writing = false;
      // Not recorded: the id is forgotten, so the sender's retry is taken as new.
      if (!written) this.seen.delete(key!);
      for (const tell of entry.waiters?.splice(0) ?? []) tell(written ? 200 : 503);
    }
    if (!written) return this.respond(res, 503, { error: 'capture unavailable' });
    this.respond(res, 200, OK_BODY);
    this.options.onResult?.({ status: 200, acceptance, record, counted: !ping, duplicate: false, ping, verdict, delivery });
  }

  /**
   * A delivery id seen before: answered like the original (a retry that overlaps the original's
   * write waits for it), not counted again. A different body under the same id is a conflict:
   * recorded and reported, since a sender should never do that.
   */
  private async repeated(res: ServerResponse, seen: SeenDelivery, bodyHash: string, record: CaptureRecord, acceptance: Acceptance, verdict: Verdict, ping: boolean): Promise<void> {
    const status = seen.writing ? await new Promise<number>((resolve) => (seen.waiters ??= []).push(resolve)) : 200;
    if (status !== 200) return this.respond(res, 503, { error: 'capture unavailable' });
    const conflict = seen.bodyHash !== bodyHash;
    if (conflict) {
      const conflicting = { ...record, duplicate: true, conflict: true };
      if (!(await this.capture(conflicting))) return this.respond(res, 503, { error: 'capture unavailable' });
    }
    this.respond(res, 200, { ok: true, duplicate: true });
    this.options.onResult?.({ status: 200, acceptance, record: { ...record, duplicate: true }, counted: false, duplicate: true, ping, verdict, conflict });
  }

  /** The dedupe window: the most recent 100,000 ids (Map keeps insertion order; the oldest goes first). */
  private remember(key: string, entry: SeenDelivery): void {
    this.seen.set(key, entry);
    if (this.seen.size > DEDUPE_WINDOW) this.seen.delete(this.seen.keys().next().value!);
  }
}

/** The dedupe key of a delivery id: long ids are hashed, so 20,000 ids of 15 kB cost kilobytes, not megabytes. */
function dedupeKey(id: string | null): string | null {
  if (id === null) return null;
  return Buffer.byteLength(id) <= MAX_ID_BYTES ? id : `sha256:${hash('sha256', id, 'base64')}`;
}

/** JSON that parses but was kept as text (too deep to serialise again) is still JSON. */
function isJson(text: string): boolean {
  try {
    JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    return true;
  } catch {
    return false;
  }
}
