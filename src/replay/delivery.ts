import { randomBytes } from 'node:crypto';
import { requestBodyBytes, type CaptureRecord } from '../capture/record.js';
import { REDACTED } from '../shared/redact.js';
import { NOT_FORWARDED } from '../shared/http-headers.js';
import { type SchemeName, SCHEMES, SIGNATURE_HEADERS, signedAtOf } from '../webhooks/index.js';

/** One HTTP request to send again. */
export interface OutgoingDelivery {
  body: Buffer;
  /** The same body as text when it is UTF-8: undici sends a string body in one write with the headers. */
  text?: string;
  headers: Record<string, string>;
  /** The delivery id it carries (for logs and results). */
  id: string | null;
  /** Age in seconds of the original signature timestamp, when it has one. */
  signatureAgeSec?: number;
}

export interface ResignOptions {
  scheme: SchemeName;
  secret: string;
  /** A fresh delivery id instead of the captured one. */
  newIds: boolean;
}

/**
 * Webhook records: the exact captured bytes and headers. SSE records: the walt.id envelope as
 * JSON. With `resign`, old signature headers are replaced by fresh ones made now through the
 * same scheme module `listen` verifies with.
 */
export function toDelivery(record: CaptureRecord, resign?: ResignOptions): OutgoingDelivery {
  const headers: Record<string, string> = {};
  let body: Buffer;
  let text: string | undefined;
  if (record.source === 'webhook' && record.request) {
    const captured = record.request.headers;
    for (const name in captured) {
      const value = captured[name]!;
      const lower = name.toLowerCase();
      if (!NOT_FORWARDED.has(lower) && value !== REDACTED) headers[lower] = value;
    }
    body = requestBodyBytes(record.request);
    text = record.request.body;
  } else {
    headers['content-type'] = 'application/json';
    text = typeof record.data === 'string' ? record.data : JSON.stringify(record.data);
    body = Buffer.from(text, 'utf8');
  }
  // The id the verifying scheme signed when the delivery was captured.
  const capturedId = record.id ?? null;
  if (!resign) {
    const at = signedAtOf(headers);
    return { body, text, headers, id: capturedId, signatureAgeSec: at === undefined ? undefined : Math.floor(Date.now() / 1000) - at };
  }
  for (const name of Object.keys(headers)) if (SIGNATURE_HEADERS.has(name)) delete headers[name];
  const id = resign.newIds || !capturedId ? `msg_${randomBytes(12).toString('hex')}` : capturedId;
  const scheme = SCHEMES[resign.scheme];
  if (!scheme?.sign) throw new Error(`scheme ${resign.scheme} cannot sign`);
  for (const [name, value] of Object.entries(scheme.sign(body, resign.secret, { id, timestamp: Math.floor(Date.now() / 1000) }))) headers[name.toLowerCase()] = value;
  return { body, text, headers, id };
}
