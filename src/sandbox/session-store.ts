import { sseFrame } from '../shared/sse-frame.js';
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { MAX_TIMER_MS } from '../shared/duration.js';
import type { JsonObject } from '../shared/json.js';
import { stringBytes } from '../shared/json-safety.js';
import type { SandboxProfile } from './profiles.js';
import type { OfferInput } from './validation.js';

type SessionStatus = 'ACTIVE' | 'SUCCESSFUL' | 'UNSUCCESSFUL' | 'REJECTED_BY_USER' | 'EXPIRED';

export interface Session {
  id: string;
  profile: SandboxProfile;
  offer: OfferInput;
  status: SessionStatus;
  isClosed: boolean;
  createdAt: number;
  /** Epoch ms; Infinity for never. */
  expiresAt: number;
  txCodeValue?: string;
  preAuthorizedCode: string;
  /** Set once the code bought an access token: it is single use (OID4VCI 1.0 §4.1.1). */
  preAuthorizedCodeUsed?: boolean;
  /** The credential response's notification_id (`--notification-endpoint`). */
  notificationId?: string;
  webhookUrl?: string;
  /** The `openid-credential-offer://` URI the 201 carried. */
  credentialOffer: string;
  credentialData: JsonObject;
  /** The last 10 events, replayed to each new subscriber; created with the first subscriber. */
  replay?: string[];
  subscribers: Set<ServerResponse>;
  timer?: NodeJS.Timeout;
}

/** What a session's offer is made of, known before the session is: what `create`'s builder gets. */
export type OfferGrant = Pick<Session, 'id' | 'profile' | 'offer' | 'preAuthorizedCode' | 'txCodeValue'>;

/** walt.id encodes "never" (`expiresInSeconds: -1`) as this far-future instant (docs/providers.md). */
export const NEVER_EXPIRES_AT = 3093527980800000;

const REPLAY = 10;
/** Live sessions kept at most; beyond it the oldest closed one goes, and with none closed, 503. */
const MAX_SESSIONS = 10_000;
/**
 * Bytes sessions may hold at most (their own credentialData, the events kept for new subscribers),
 * as V8 holds them: beyond it the oldest closed sessions go, and with none closed, 503.
 */
const MAX_SESSION_BYTES = 128 * 1024 * 1024;
/** Bytes queued for one SSE subscriber that does not read before it is cut off (it may reconnect). */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** What a session costs besides its data: the object, its codes, its offer URI. */
const SESSION_BYTES = 2048;

/** Sessions, their SSE subscribers and expiry. Sessions are deleted at expiry, with no event. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  readonly global = new Set<ServerResponse>();
  /** Bytes each session holds (SESSION_BYTES, its own credentialData, its replayed events), and their sum. */
  private readonly held = new Map<string, number>();
  private heldTotal = 0;

  /**
   * @param timedExpiry false: no timer ends a session at its `expiresAt`; only `expire(id)` does
   *   (a test drives expiry instead of racing a clock).
   */
  constructor(
    private readonly capacity = MAX_SESSIONS,
    private readonly timedExpiry = true,
    private readonly maxBytes = MAX_SESSION_BYTES,
  ) {}

  /** Bytes all sessions hold (see MAX_SESSION_BYTES). */
  get bytes(): number {
    return this.heldTotal;
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  byPreAuthorizedCode(code: string): Session | undefined {
    for (const session of this.sessions.values()) if (session.preAuthorizedCode === code) return session;
    return undefined;
  }

  /**
   * Why a new session holding `bytes` cannot be stored (the caller answers 503), or undefined once
   * there is room: the oldest closed sessions are deleted to make it.
   */
  refusal(reusedId: string | undefined, bytes: number): string | undefined {
    const replaced = reusedId === undefined ? undefined : this.sessions.get(reusedId);
    const freed = replaced ? (this.held.get(replaced.id) ?? 0) : 0;
    for (;;) {
      const tooMany = this.sessions.size >= this.capacity && !replaced;
      const tooBig = this.heldTotal - freed + SESSION_BYTES + bytes > this.maxBytes;
      if (!tooMany && !tooBig) return undefined;
      const closed = this.all().find((s) => s.isClosed && s !== replaced);
      if (closed) {
        this.delete(closed.id);
        continue;
      }
      if (tooMany) return `Too many live sessions (${this.sessions.size}); close or let some expire`;
      return `Sessions hold ${Math.round(this.heldTotal / 2 ** 20)} MB of credential data and events (the bound is ${Math.round(this.maxBytes / 2 ** 20)} MB); close or let some expire`;
    }
  }

  /** Counts what a session holds beyond its own object (its credentialData when it is not the profile's). */
  hold(session: Session, bytes: number): void {
    this.addHeld(session.id, SESSION_BYTES + bytes);
  }

  private addHeld(id: string, bytes: number): void {
    this.held.set(id, (this.held.get(id) ?? 0) + bytes);
    this.heldTotal += bytes;
  }

  /** A new session; a reused `sessionId` silently replaces the old session, as walt.id does. */
  create(profile: SandboxProfile, offer: OfferInput, build: (grant: OfferGrant) => { credentialOffer: string; credentialData: JsonObject }): Session {
    const id = offer.sessionId ?? randomUUID();
    const previous = this.sessions.get(id);
    if (previous) this.delete(id);
    const now = Date.now();
    const txCodeValue = offer.txCode ? (offer.txCodeValue ?? randomDigits(offer.txCode.length ?? 6)) : undefined;
    const grant: OfferGrant = { id, profile, offer, txCodeValue, preAuthorizedCode: randomBytes(24).toString('base64url') };
    const session: Session = {
      ...grant,
      status: 'ACTIVE',
      isClosed: false,
      createdAt: now,
      expiresAt: offer.expiresInSeconds === -1 ? Number.POSITIVE_INFINITY : now + offer.expiresInSeconds * 1000,
      webhookUrl: offer.webhookUrl ?? profile.webhookUrl,
      subscribers: previous?.subscribers ?? new Set(),
      ...build(grant),
    };
    this.sessions.set(id, session);
    this.armExpiry(session);
    return session;
  }

  // Expiries longer than a Node timer can hold are reached in steps.
  private armExpiry(session: Session): void {
    if (!this.timedExpiry || !Number.isFinite(session.expiresAt)) return;
    const remaining = session.expiresAt - Date.now();
    session.timer = setTimeout(() => (Date.now() >= session.expiresAt ? this.expire(session.id) : this.armExpiry(session)), Math.max(0, Math.min(remaining, MAX_TIMER_MS)));
    session.timer.unref();
  }

  /**
   * At expiry walt.id deletes the session and sends no event; open streams stay open (it never
   * closes them). False when there is no such session.
   */
  expire(id: string): boolean {
    if (!this.sessions.has(id)) return false;
    this.delete(id);
    return true;
  }

  delete(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    clearTimeout(session.timer);
    this.sessions.delete(id);
    this.heldTotal -= this.held.get(id) ?? 0;
    this.held.delete(id);
  }

  /** Adds an SSE subscriber: `{}` first, then the replay buffer (created at the first subscriber). */
  subscribe(session: Session, res: ServerResponse): void {
    session.replay ??= [];
    res.write(frame('{}'));
    for (const text of session.replay) res.write(frame(text));
    session.subscribers.add(res);
    res.once('close', () => session.subscribers.delete(res));
  }

  subscribeAll(res: ServerResponse): void {
    res.write(frame('{}'));
    this.global.add(res);
    res.once('close', () => this.global.delete(res));
  }

  /** One event to the session's stream (if any) and the issuer-wide stream. */
  publish(session: Session | undefined, text: string): void {
    const framed = frame(text);
    if (session) {
      // Events before the first subscriber are not kept (docs/providers.md).
      if (session.replay && this.sessions.get(session.id) === session) this.keepForReplay(session, text);
      for (const res of session.subscribers) write(res, framed);
    }
    for (const res of this.global) write(res, framed);
  }

  /** The last REPLAY events, within the byte bound: closed sessions go first, then this session's oldest events. */
  private keepForReplay(session: Session, text: string): void {
    const replay = session.replay!;
    replay.push(text);
    this.addHeld(session.id, stringBytes(text));
    const drop = (): void => this.addHeld(session.id, -stringBytes(replay.shift()!));
    if (replay.length > REPLAY) drop();
    while (this.heldTotal > this.maxBytes) {
      const closed = this.all().find((s) => s.isClosed && s !== session);
      if (closed) this.delete(closed.id);
      else if (replay.length > 0) drop();
      else break;
    }
  }

  closeAll(): void {
    for (const session of this.sessions.values()) {
      clearTimeout(session.timer);
      for (const res of session.subscribers) res.destroy();
    }
    for (const res of this.global) res.destroy();
  }
}

/** One frame to one subscriber; a subscriber that does not read is cut off, not buffered without end. */
function write(res: ServerResponse, framed: string): void {
  if (res.writableLength > MAX_QUEUED_BYTES) res.destroy();
  else res.write(framed);
}

/** Ktor's framing: `data: …` then a blank line, CRLF line endings. */
const frame = (text: string): string => sseFrame(text, { crlf: true });

function randomDigits(length: number): string {
  let out = '';
  for (const byte of randomBytes(length)) out += String(byte % 10);
  return out;
}
