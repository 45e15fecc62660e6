import { request } from 'undici';
import { describeNetworkError } from '../http/client.js';
import { type SchemeName, SCHEMES } from '../webhooks/index.js';
import { USER_AGENT } from '../version.js';

export interface WebhookSigning {
  scheme: SchemeName;
  secret: string;
}

export interface DeliveryOutcome {
  url: string;
  /** The headers sent (content type, user agent, signature). */
  headers: Record<string, string>;
  status?: number;
  ms: number;
  error?: string;
}

/** Deliveries in flight at most, and how long one may take: a slow receiver cannot pile up sockets. */
const MAX_IN_FLIGHT = 16;
const TIMEOUT_MS = 5000;
const KEEP_RECENT = 1000;

/**
 * One POST per event, like walt.id: one attempt, no retry, awaited by the caller (a slow
 * receiver slows issuance). Optionally signed so `listen` can be exercised with real signatures.
 */
export class WebhookDispatcher {
  readonly recent: DeliveryOutcome[] = [];
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly signing?: WebhookSigning) {}

  async deliver(url: string, body: string): Promise<DeliveryOutcome> {
    if (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      const outcome = await this.post(url, Buffer.from(body, 'utf8'));
      this.recent.push(outcome);
      if (this.recent.length > KEEP_RECENT) this.recent.shift();
      return outcome;
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private async post(url: string, body: Buffer): Promise<DeliveryOutcome> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT };
    if (this.signing) Object.assign(headers, SCHEMES[this.signing.scheme]!.sign!(body, this.signing.secret, { id: `msg_${crypto.randomUUID().replaceAll('-', '')}` }));
    const started = performance.now();
    try {
      const response = await request(url, { method: 'POST', headers, body, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, signal: AbortSignal.timeout(TIMEOUT_MS) });
      await response.body.dump();
      return { url, headers, status: response.statusCode, ms: performance.now() - started };
    } catch (error) {
      return { url, headers, ms: performance.now() - started, error: describeNetworkError(error) };
    }
  }
}
