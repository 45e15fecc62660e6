import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { MAX_TIMER_MS } from '../shared/duration.js';
import type { JsonObject } from '../shared/json.js';
import type { SandboxProfile } from './profiles.js';
import type { OfferInput } from './validation.js';

export type SessionStatus = 'ACTIVE' | 'SUCCESSFUL' | 'UNSUCCESSFUL' | 'REJECTED_BY_USER' | 'EXPIRED';

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
  webhookUrl?: string;
  /** The `openid-credential-offer://` URI the 201 carried. */
  credentialOffer: string;
  credentialData: JsonObject;
  /** The last 10 events, replayed to each new subscriber; created with the first subscriber. */
  replay?: string[];
  subscribers: Set<ServerResponse>;
  timer?: NodeJS.Timeout;
}

/** walt.id encodes "never" (`expiresInSeconds: -1`) as this far-future instant (docs/providers.md). */
export const NEVER_EXPIRES_AT = 3093527980800000;

const REPLAY = 10;
/** Live sessions kept at most; beyond it the oldest closed one goes, and with none closed, 503. */
export const MAX_SESSIONS = 10_000;

/** Sessions, their SSE subscribers and expiry. Sessions are deleted at expiry, with no event. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  readonly global = new Set<ServerResponse>();

  /**
   * @param timedExpiry false: no timer ends a session at its `expiresAt`; only `expire(id)` does
   *   (a test drives expiry instead of racing a clock).
   */
  constructor(
    private readonly capacity = MAX_SESSIONS,
    private readonly timedExpiry = true,
  ) {}

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

  /** False when full of open sessions: the caller answers 503. */
  hasRoom(reusedId?: string): boolean {
    if (this.sessions.size < this.capacity || (reusedId && this.sessions.has(reusedId))) return true;
    const closed = this.all().find((s) => s.isClosed);
    if (!closed) return false;
    this.delete(closed.id);
    return true;
  }

  /** A new session; a reused `sessionId` silently replaces the old session, as walt.id does. */
  create(profile: SandboxProfile, offer: OfferInput, build: (id: string) => { credentialOffer: string; credentialData: JsonObject }): Session {
    const id = offer.sessionId ?? randomUUID();
    const previous = this.sessions.get(id);
    if (previous) this.delete(id);
    const now = Date.now();
    const txCodeValue = offer.txCode ? (offer.txCodeValue ?? randomDigits(offer.txCode.length ?? 6)) : undefined;
    const session: Session = {
      id,
      profile,
      offer,
      status: 'ACTIVE',
      isClosed: false,
      createdAt: now,
      expiresAt: offer.expiresInSeconds === -1 ? Number.POSITIVE_INFINITY : now + offer.expiresInSeconds * 1000,
      txCodeValue,
      preAuthorizedCode: randomBytes(24).toString('base64url'),
      webhookUrl: offer.webhookUrl ?? profile.webhookUrl,
      subscribers: previous?.subscribers ?? new Set(),
      ...build(id),
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
      if (session.replay) {
        session.replay.push(text);
        if (session.replay.length > REPLAY) session.replay.shift();
      }
      for (const res of session.subscribers) res.write(framed);
    }
    for (const res of this.global) res.write(framed);
  }

  closeAll(): void {
    for (const session of this.sessions.values()) {
      clearTimeout(session.timer);
      for (const res of session.subscribers) res.destroy();
    }
    for (const res of this.global) res.destroy();
  }
}

/** Ktor's framing: `data: …` then a blank line, CRLF line endings. */
const frame = (text: string): string => `data: ${text}\r\n\r\n`;

function randomDigits(length: number): string {
  let out = '';
  for (const byte of randomBytes(length)) out += String(byte % 10);
  return out;
}
