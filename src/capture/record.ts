import { isUtf8 } from 'node:buffer';
import type { IssuerEvent } from '../issuer/catalog.js';
import { REDACTED, SENSITIVE_HEADERS } from '../output/redact.js';

export type Provider = 'waltid' | 'igrant' | 'didx' | 'crossmint' | 'standard' | 'unknown';

/** The request part of a webhook record (docs/record-format.md). */
export interface CapturedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Raw body as UTF-8 when valid; otherwise `bodyBase64` holds the bytes. */
  body?: string;
  bodyBase64?: string;
  /** Rejected requests: the body was cut to its first 64 KB (`bodySize` is the whole). */
  bodyTruncated?: boolean;
  /** Rejected requests past the run's budget for rejected bodies: no body kept. */
  bodyOmitted?: boolean;
  bodySize?: number;
}

/** One NDJSON line, version 1. Readers ignore fields they do not know; writers never rename. */
export interface CaptureRecord {
  v: 1;
  /** `session`: what the session resource said (tail's session truth). */
  source: 'sse' | 'webhook' | 'session';
  receivedAt: string;
  provider: Provider;
  type: string | null;
  sessionId: string | null;
  status: string | null;
  terminal: boolean;
  id: string | null;
  data: unknown;
  duplicate: boolean;
  verified?: boolean;
  scheme?: string | null;
  reason?: string | null;
  request?: CapturedRequest;
  /** Webhook: the status `listen` answered with. */
  responseStatus?: number;
  /** JSON paths whose private key material was replaced by "[redacted]". */
  redacted?: string[];
  /** Webhook: a repeated delivery id with a different body than the first. */
  conflict?: boolean;
  /** Webhook: how `listen` judged it (verified, unsigned, ping, rejected). */
  acceptance?: 'verified' | 'unsigned' | 'ping' | 'rejected';
  /** SSE: the stream the event came from. */
  url?: string;
  /** SSE: the `event:` name when the server sent one. */
  event?: string;
}

let lastMs = 0;
let lastIso = '';
/** The current time as ISO 8601, formatted once per millisecond (hot on fast streams). */
export function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/**
 * One NDJSON line (no newline). When the payload's own JSON text is at hand and fits on one
 * line, it is spliced in verbatim instead of serialising the parsed object again.
 */
export function serializeRecord(record: CaptureRecord, rawData?: string): string {
  try {
    return serializeWith(record, rawData);
  } catch (error) {
    // A payload nested too deep for JSON.stringify (thousands of levels) is recorded as its text.
    if (!(error instanceof RangeError)) throw error;
    return JSON.stringify({ ...record, data: rawData ?? '[payload nested too deeply to serialise]' });
  }
}

function serializeWith(record: CaptureRecord, rawData?: string): string {
  // Spliced only when the text is the JSON itself: no line breaks, no BOM before it.
  if (rawData === undefined || !spliceable(rawData, record.data)) {
    return JSON.stringify(record);
  }
  // JSON.stringify leaves out undefined members: the record is serialised without `data`, no copy.
  const data = record.data;
  record.data = undefined;
  const head = JSON.stringify(record);
  record.data = data;
  return `${head.slice(0, -1)},"data":${rawData}}`;
}

// JSON text of strings that recur on a stream (its URL, the event types, the current millisecond).
const QUOTED = new Map<string, string>();

function quoted(value: string | null | undefined): string {
  if (value === null || value === undefined) return 'null';
  let text = QUOTED.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    if (value.length <= 256) {
      // Bounded: a stream of distinct session ids cannot grow it.
      if (QUOTED.size >= 1024) QUOTED.clear();
      QUOTED.set(value, text);
    }
  }
  return text;
}

/**
 * The NDJSON line of a record built by `sseRecord` (and maybe `redacted`): the same text as
 * `serializeRecord`, written field by field. `tail --json` writes one per event, and the generic
 * JSON.stringify of the head cost a fifth of its time.
 */
export function serializeSseRecord(record: CaptureRecord, rawData: string | undefined): string {
  if (rawData === undefined || !spliceable(rawData, record.data)) {
    return serializeRecord(record, rawData);
  }
  const r = record;
  let head = `{"v":1,"source":${quoted(r.source)},"receivedAt":${quoted(r.receivedAt)},"provider":${quoted(r.provider)},"type":${quoted(r.type)},"sessionId":${quoted(r.sessionId)},"status":${quoted(r.status)},"terminal":${r.terminal},"id":${quoted(r.id)},"duplicate":${r.duplicate},"url":${quoted(r.url)}`;
  if (r.event !== undefined) head += `,"event":${quoted(r.event)}`;
  if (r.redacted !== undefined) head += `,"redacted":${JSON.stringify(r.redacted)}`;
  return `${head},"data":${rawData}}`;
}

/**
 * The NDJSON line of a webhook record as `WebhookReceiver` builds it for an accepted delivery:
 * the same text as `serializeRecord(record, rawData)`, written field by field (`listen` writes
 * one per delivery). Any other shape goes the generic way.
 */
export function serializeWebhookRecord(record: CaptureRecord, rawData: string | undefined): string {
  const r = record;
  const q = r.request;
  if (
    rawData === undefined ||
    !spliceable(rawData, r.data) ||
    q === undefined ||
    q.body === undefined ||
    q.bodyBase64 !== undefined ||
    q.bodyTruncated !== undefined ||
    q.bodyOmitted !== undefined ||
    q.bodySize !== undefined ||
    r.redacted !== undefined ||
    r.conflict !== undefined ||
    r.url !== undefined ||
    r.event !== undefined ||
    r.verified === undefined ||
    r.scheme === undefined ||
    r.reason === undefined ||
    r.acceptance === undefined ||
    r.responseStatus === undefined
  ) {
    return serializeRecord(record, rawData);
  }
  // Quoted as they are: the source, provider, scheme and acceptance are this tool's own names, the
  // method an HTTP token and the time an ISO string (none holds a quote, backslash or control
  // character). What the sender chose (path, headers, body, type, status, ids) is JSON-escaped.
  const request = `{"method":"${q.method}","path":${JSON.stringify(q.path)},"headers":${JSON.stringify(q.headers)},"body":${JSON.stringify(q.body)}}`;
  const scheme = r.scheme === null ? 'null' : `"${r.scheme}"`;
  return `{"v":1,"source":"${r.source}","receivedAt":"${r.receivedAt}","provider":"${r.provider}","type":${quoted(r.type)},"sessionId":${JSON.stringify(r.sessionId)},"status":${quoted(r.status)},"terminal":${r.terminal},"id":${JSON.stringify(r.id)},"verified":${r.verified},"scheme":${scheme},"reason":${quoted(r.reason)},"duplicate":${r.duplicate},"request":${request},"acceptance":"${r.acceptance}","responseStatus":${r.responseStatus},"data":${rawData}}`;
}

/** The payload's own text can stand for it in a line: JSON of an object or array, one line, no BOM. */
function spliceable(rawData: string, data: unknown): boolean {
  return rawData.charCodeAt(0) !== 0xfeff && !rawData.includes('\n') && !rawData.includes('\r') && typeof data === 'object' && data !== null;
}

export function sseRecord(event: IssuerEvent, extra: { url: string; event?: string }): CaptureRecord {
  const record: CaptureRecord = {
    v: 1,
    source: 'sse',
    receivedAt: isoNow(),
    provider: 'waltid',
    type: event.type,
    sessionId: event.sessionId ?? null,
    status: event.status ?? null,
    terminal: event.terminal,
    id: event.id ?? null,
    data: event.data,
    duplicate: false,
    url: extra.url,
  };
  if (extra.event) record.event = extra.event;
  return record;
}

/** The request part of a webhook record: secrets redacted, body as UTF-8 or base64. */
export function capturedRequest(method: string, path: string, headers: Record<string, string | string[] | undefined>, body: Buffer | undefined): CapturedRequest {
  const out: Record<string, string> = {};
  // for…in: no entries array per request (this runs for every delivery).
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    out[name] = SENSITIVE_HEADERS.has(name) ? REDACTED : Array.isArray(value) ? value.join(', ') : value;
  }
  const request: CapturedRequest = { method, path, headers: out };
  if (body === undefined) return request;
  if (isUtf8(body)) request.body = body.toString('utf8');
  else request.bodyBase64 = body.toString('base64');
  return request;
}

/**
 * Records the paths of private key material cut out of `data`. A raw request body holds the same
 * material, so it is replaced by the redacted JSON (the listener and the sandbox's records).
 */
export function markRedacted(record: CaptureRecord, paths: string[]): void {
  record.redacted = paths;
  if (!record.request) return;
  const { bodyBase64: _b, ...request } = record.request;
  record.request = { ...request, body: JSON.stringify(record.data) };
}

/** The exact bytes of a captured request body. */
export function requestBodyBytes(request: CapturedRequest): Buffer {
  if (request.bodyBase64 !== undefined) return Buffer.from(request.bodyBase64, 'base64');
  return Buffer.from(request.body ?? '', 'utf8');
}
