import { httpRequest, type ExchangeTrace } from '../http/client.js';
import { judgeSessionStatus } from '../issuer/status.js';
import { safeTimeout } from '../shared/duration.js';
import { isPlainObject, type JsonObject } from '../shared/json.js';

export type TruthVerdict = { kind: 'terminal'; session: JsonObject; url: string } | { kind: 'expired'; url: string };

/** Checks again this long after `expiresAt`: walt.id deletes the session then, with no event. */
const AFTER_EXPIRY_MS = 1000;

/**
 * Session truth: SSE alone cannot tell a finished or expired session from a quiet one (walt.id
 * replays nothing to a first subscriber and sends no event at expiry). So the session resource
 * is read once the stream is open, and again when its `expiresAt` has passed.
 */
export class SessionTruth {
  private timer: NodeJS.Timeout | undefined;
  private cancelled = false;
  private seenBefore = false;

  constructor(
    private readonly url: string,
    private readonly headers: Record<string, string>,
    private readonly onVerdict: (verdict: TruthVerdict) => void,
    private readonly trace?: ExchangeTrace,
  ) {}

  cancel(): void {
    this.cancelled = true;
    clearTimeout(this.timer);
  }

  check(): void {
    void this.read().catch(() => {
      // The stream is the primary source: a session resource that cannot be read changes nothing.
    });
  }

  private async read(): Promise<void> {
    if (this.cancelled) return;
    const response = await httpRequest(this.url, { headers: { accept: 'application/json', ...this.headers }, trace: this.trace });
    if (this.cancelled) return;
    if (response.status === 404) {
      // Seen before, gone at its expiry: expired. Never seen: the stream decides (walt.id closes
      // an unknown session's stream at once → exit 5), as issuers without this resource do too.
      if (this.seenBefore) this.onVerdict({ kind: 'expired', url: this.url });
      return;
    }
    if (response.status !== 200) return;
    let session: unknown;
    try {
      session = JSON.parse(response.text);
    } catch {
      return;
    }
    if (!isPlainObject(session)) return;
    this.seenBefore = true;
    const status = typeof session.status === 'string' ? session.status : undefined;
    if (judgeSessionStatus(status, session.isClosed === true).terminal) {
      this.onVerdict({ kind: 'terminal', session, url: this.url });
      return;
    }
    const expiresAt = expiryOf(session.expiresAt);
    if (expiresAt !== undefined) this.timer = safeTimeout(() => this.check(), Math.max(0, expiresAt - Date.now()) + AFTER_EXPIRY_MS);
    this.timer?.unref();
  }
}

/** walt.id's `expiresAt`: an ISO string in the session resource, epoch ms in offer responses. */
function expiryOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
