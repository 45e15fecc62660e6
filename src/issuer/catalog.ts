import { isPlainObject, type JsonObject } from '../shared/json.js';
import { catalogEntry } from './event-types.js';
import { judgeSessionStatus, type SessionOutcome } from './status.js';

/** One issuance event, whatever channel (SSE, webhook) or wire style it came in. */
export interface IssuerEvent {
  type: string;
  sessionId?: string;
  status?: string;
  terminal: boolean;
  outcome?: SessionOutcome;
  /** SSE `id:` or the webhook delivery id. */
  id?: string;
  /** Parsed JSON payload, or the raw text when it is not JSON. */
  data: unknown;
  /** The payload carries an error (failure events). */
  failed: boolean;
}

/** What a type means, from the event catalog; unknown types are still shown (the table only adds words). */
function describeType(type: string): string | undefined {
  const entry = catalogEntry(type);
  if (entry) return entry.description;
  if (type.endsWith('_failed')) return 'failed';
  if (type.endsWith('_succeeded')) return 'succeeded';
  return undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The status in a payload: walt.id's `session.status`, else a top-level `status` (Enterprise). */
function statusOf(payload: JsonObject): string | undefined {
  const session = isPlainObject(payload.session) ? payload.session : undefined;
  return str(session?.status) ?? str(payload.status);
}

function isClosedOf(payload: JsonObject): boolean | undefined {
  const session = isPlainObject(payload.session) ? payload.session : undefined;
  const value = session?.isClosed ?? payload.isClosed;
  return typeof value === 'boolean' ? value : undefined;
}

/** The session a payload belongs to: envelope `target`, `session.id`, Enterprise `offerId`. */
function sessionIdOf(payload: JsonObject): string | undefined {
  const session = isPlainObject(payload.session) ? payload.session : undefined;
  return str(payload.target) ?? str(session?.id) ?? str(payload.sessionId) ?? str(payload.offerId);
}

export function parsePayload(text: string): unknown {
  let i = 0;
  // A UTF-8 BOM before JSON is not part of it (some senders add one).
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < text.length && text.charCodeAt(i) <= 32) i++;
  const first = text.charCodeAt(i);
  // Only objects and arrays are JSON payloads; anything else stays text (no parse attempt).
  if (first !== 0x7b && first !== 0x5b) return text;
  try {
    // Nesting too deep to serialise again is handled where records are serialised (serializeRecord).
    return JSON.parse(i === 0 ? text : text.slice(i));
  } catch {
    return text;
  }
}

/** An SSE message as parsed off the wire. */
export interface SseMessage {
  event?: string;
  id?: string;
  data: string;
}

/**
 * Turns an SSE message into an event, or null for the `{}` keep-alive.
 * Both wire styles: data-only messages whose JSON carries `event` (walt.id) and named events
 * (`event:` lines, the Enterprise docs). Unknown types are kept, never dropped.
 */
export function eventFromSse(message: SseMessage, fallbackSessionId?: string): IssuerEvent | null {
  const data = parsePayload(message.data);
  // docs/providers.md: "The first message is the literal {}" — a keep-alive, not an event.
  if (message.event === undefined && isPlainObject(data) && Object.keys(data).length === 0) return null;
  const payload = isPlainObject(data) ? data : {};
  // SSE spec: a message without `event:` has type "message"; the payload's own name is better.
  const named = message.event && message.event !== 'message' ? message.event : undefined;
  const type = named ?? str(payload.event) ?? str(payload.type) ?? str(payload.eventType) ?? 'message';
  return buildEvent(type, payload, data, message.id, fallbackSessionId);
}

export function buildEvent(type: string, payload: JsonObject, data: unknown, id: string | undefined, fallbackSessionId?: string): IssuerEvent {
  const status = statusOf(payload);
  const verdict = judgeSessionStatus(status, isClosedOf(payload));
  const failed = (payload.error !== undefined && payload.error !== null) || type.endsWith('_failed') || type.endsWith('.failed');
  return {
    type,
    sessionId: sessionIdOf(payload) ?? fallbackSessionId,
    status: status ?? (verdict.terminal ? (verdict.outcome === 'success' ? 'SUCCESSFUL' : 'CLOSED') : undefined),
    terminal: verdict.terminal,
    outcome: verdict.outcome,
    id,
    data,
    failed,
  };
}

/** A one-line summary for pretty output (not escaped: the caller escapes). */
export function describeEvent(event: IssuerEvent): string {
  const payload = isPlainObject(event.data) ? event.data : {};
  const error = str(payload.error);
  if (error) {
    const description = str(payload.error_description);
    return description ? `${error}: ${description}` : error;
  }
  return describeType(event.type) ?? '';
}
