import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { OfferInput } from './validation.js';
import type { SandboxProfile } from './profiles.js';

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
  /** The last 10 events, replayed to each new subscriber; created with the first subscriber. */
  replay?: string[];
  subscribers: Set<ServerResponse>;
  timer?: NodeJS.Timeout;
}

/** The `session` object of an envelope: `status` absent while ACTIVE, `isClosed` absent while false. */
export function sessionView(session: Session): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: session.id,
    profileId: session.profile.id,
    authMethod: session.offer.authMethod,
    credentialConfigurationId: session.profile.credentialConfigurationId,
    createdAt: session.createdAt,
    expiresAt: Number.isFinite(session.expiresAt) ? session.expiresAt : null,
  };
  if (session.status !== 'ACTIVE') view.status = session.status;
  if (session.isClosed) view.isClosed = true;
  return view;
}

const REPLAY = 10;

/** Sessions, their SSE subscribers and expiry. Sessions are deleted at expiry, with no event. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  readonly global = new Set<ServerResponse>();

  has(id: string): boolean {
    return this.sessions.has(id);
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  create(profile: SandboxProfile, offer: OfferInput): Session {
    const id = offer.sessionId ?? randomUUID();
    const now = Date.now();
    const txCodeValue = offer.txCode ? (offer.txCodeValue ?? randomDigits(offer.txCode.length ?? 6)) : undefined;
    const session: Session = {
      id,
      profile,
      offer,
      status: 'ACTIVE',
      isClosed: false,
      createdAt: now,
      expiresAt: offer.expiresInSeconds === -1 ? Infinity : now + offer.expiresInSeconds * 1000,
      txCodeValue,
      preAuthorizedCode: randomBytes(16).toString('base64url'),
      webhookUrl: offer.webhookUrl ?? profile.webhookUrl,
      subscribers: new Set(),
    };
    if (Number.isFinite(session.expiresAt)) {
      session.timer = setTimeout(() => this.delete(id), session.expiresAt - now);
      session.timer.unref();
    }
    this.sessions.set(id, session);
    return session;
  }

  delete(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    clearTimeout(session.timer);
    this.sessions.delete(id);
  }

  /** Adds an SSE subscriber: `{}` first, then the replayed events. */
  subscribe(session: Session, res: ServerResponse): void {
    session.replay ??= [];
    res.write('data: {}\n\n');
    for (const text of session.replay) res.write(`data: ${text}\n\n`);
    session.subscribers.add(res);
    res.once('close', () => session.subscribers.delete(res));
  }

  subscribeAll(res: ServerResponse): void {
    res.write('data: {}\n\n');
    this.global.add(res);
    res.once('close', () => this.global.delete(res));
  }

  /** Sends one envelope to the session's subscribers and the issuer-wide stream. */
  publish(session: Session, text: string): void {
    // Events before the first subscriber are not kept (docs/providers.md).
    if (session.replay) {
      session.replay.push(text);
      if (session.replay.length > REPLAY) session.replay.shift();
    }
    for (const res of session.subscribers) res.write(`data: ${text}\n\n`);
    for (const res of this.global) res.write(`data: ${text}\n\n`);
  }

  closeAll(): void {
    for (const session of this.sessions.values()) {
      clearTimeout(session.timer);
      for (const res of session.subscribers) res.destroy();
    }
    for (const res of this.global) res.destroy();
  }
}

function randomDigits(length: number): string {
  let out = '';
  for (const byte of randomBytes(length)) out += String(byte % 10);
  return out;
}
