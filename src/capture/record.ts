import { isUtf8 } from 'node:buffer';
import type { IssuerEvent } from '../issuer/catalog.js';
import { REDACTED, SENSITIVE_HEADERS } from '../shared/redact.js';

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
/**
 * The current time as ISO 8601, formatted once per millisecond (hot on fast streams). Measured
 * (bench/caches.js, Node 20, 2 shared cores): `new Date().toISOString()` 0.95–1.15 µs, this 0.1 µs;
 * `tail --json` spends ~10 µs per event, so formatting each time would cost it ~9 %.
 */
export function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}

/** How one field's value is written as JSON text (never `undefined`: absent fields are skipped). */
type Encode<T> = (value: T) => string;

/** JSON text of a value: the general case. */
const json: Encode<unknown> = (value) => JSON.stringify(value);
/** A number, boolean or `null`: its text is the value. */
const literal: Encode<number | boolean | null> = (value) => String(value);

// JSON text of strings that recur on a stream (its URL, the event types, the current millisecond).
// Measured (bench/caches.js, Node 20, 2 shared cores): JSON.stringify of such a string 120–180 ns,
// the cache 10–20 ns; an SSE record writes seven of them: without it a line takes ~1.5 µs, not ~0.5 µs.
const QUOTED = new Map<string, string>();

/** A string (or null) that recurs from record to record: its JSON text is cached. */
const recurring: Encode<string | null> = (value) => {
  if (value === null) return 'null';
  let text = QUOTED.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    if (value.length <= 256) {
      // Bounded: a stream of distinct values cannot grow it.
      if (QUOTED.size >= 1024) QUOTED.clear();
      QUOTED.set(value, text);
    }
  }
  return text;
};

/**
 * The record format, described once: every field of `CaptureRecord`, in the order it is written,
 * with how its value is written. The type requires every field of the record (a field added to
 * `CaptureRecord` and not here does not compile); `data` is last so that a payload's own text can
 * be spliced in as the end of the line.
 */
const RECORD_FIELDS: { readonly [K in keyof CaptureRecord]-?: Encode<Exclude<CaptureRecord[K], undefined>> } = {
  v: literal,
  source: recurring,
  receivedAt: recurring,
  provider: recurring,
  type: recurring,
  sessionId: json,
  status: recurring,
  terminal: literal,
  id: json,
  verified: literal,
  scheme: recurring,
  reason: recurring,
  duplicate: literal,
  url: recurring,
  event: recurring,
  request: json,
  acceptance: recurring,
  responseStatus: literal,
  redacted: json,
  conflict: literal,
  data: json,
};

/** The names of the record's fields, in the order they are written. */
export const RECORD_FIELD_NAMES = Object.keys(RECORD_FIELDS) as (keyof CaptureRecord)[];

/**
 * Writes every field but `data` (`{"v":1,…` without the closing brace), compiled once from
 * `RECORD_FIELDS`: for each field, in order, `if (r.name !== undefined) t += ',"name":' + encode(r.name)`.
 * Measured per SSE record (Node 20, 2 shared cores, best of runs of 1e6 calls; bench/caches.js has the
 * compiled one): a loop over
 * the table (keyed reads, calls through an array) 1.1–1.3 µs, this compiled writer 0.45–0.85 µs,
 * the hand-written template it replaced 0.26–0.5 µs, JSON.stringify 2.3–2.9 µs. `tail --json` spends about
 * 10 µs per event (BENCHMARKS.md): the loop would have cost ~7 % of its throughput.
 */
const writeHead = ((): ((record: CaptureRecord) => string) => {
  const names = RECORD_FIELD_NAMES.filter((name) => name !== 'data');
  let body = "let t = '{';";
  names.forEach((name, i) => {
    // The names are the description's own keys (identifiers); JSON.stringify quotes them as text.
    const prefix = JSON.stringify(`${i === 0 ? '' : ','}${JSON.stringify(name)}:`);
    body += `if (r.${name} !== undefined) t += ${prefix} + e[${i}](r.${name});`;
  });
  const compiled = new Function('e', 'r', `${body} return t;`) as (encoders: Encode<unknown>[], record: CaptureRecord) => string;
  const encoders = names.map((name) => RECORD_FIELDS[name] as Encode<unknown>);
  return (record) => compiled(encoders, record);
})();

// The payload's own text rides on the record as a hidden (non-enumerable, symbol-keyed) property
// that the engine which parsed it sets: JSON, spreads and deep-equality do not see it. Spliced in,
// the capture keeps the payload as it was sent (integers beyond 2^53, escapes) at the cost of
// stringifying it: 2.7 µs a 0.6 KB record either way (bench/record-line.js). Kept in WeakMaps
// instead (with each line cached) it cost tail a fifth of its rate (0.74x → 0.61x of the bare
// baseline, two runs each of npm run bench -- --only tail): a million short-lived WeakMap keys slow
// every garbage collection.
const RAW_DATA: unique symbol = Symbol('rawData');
type WithRawData = CaptureRecord & { [RAW_DATA]?: string };

/**
 * The JSON text `record.data` was parsed from (a webhook body, an SSE `data:`): serializeRecord
 * splices it in verbatim when it fits on one line, instead of serialising the parsed payload again.
 * For the engine that made the record, before anyone else has it; not for a payload changed after
 * parsing (keys redacted).
 */
export function keepRawData(record: CaptureRecord, rawData: string): void {
  Object.defineProperty(record, RAW_DATA, { value: rawData });
}

/** A record as one NDJSON line (no newline), its fields in the order of `RECORD_FIELDS`. The record is not changed. */
export function serializeRecord(record: CaptureRecord): string {
  const rawData = (record as WithRawData)[RAW_DATA];
  let data: string | undefined;
  try {
    // Spliced only when the text is the JSON itself: no line breaks, no BOM before it.
    data = rawData !== undefined && spliceable(rawData, record.data) ? rawData : (JSON.stringify(record.data) as string | undefined);
  } catch (error) {
    // A payload nested too deep for JSON.stringify (thousands of levels) is recorded as its text.
    if (!(error instanceof RangeError)) throw error;
    data = JSON.stringify(rawData ?? '[payload nested too deeply to serialise]');
  }
  const head = writeHead(record);
  return data === undefined ? `${head}}` : `${head},"data":${data}}`;
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
