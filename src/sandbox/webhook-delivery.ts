import { request } from 'undici';
import { describeNetworkError } from '../http/client.js';
import { SCHEMES } from '../webhooks/index.js';
import { USER_AGENT } from '../version.js';

export interface WebhookSigning {
  scheme: 'standard' | 'igrant';
  secret: string;
}

export interface DeliveryOutcome {
  url: string;
  status?: number;
  ms: number;
  error?: string;
}

/**
 * One POST of the envelope, like walt.id: one attempt, no retry, awaited by the caller (a slow
 * receiver slows issuance). Optionally signed so `listen` can be exercised with real signatures.
 */
export async function deliverWebhook(url: string, envelope: object, signing: WebhookSigning | undefined, id: string): Promise<DeliveryOutcome> {
  const body = Buffer.from(JSON.stringify(envelope), 'utf8');
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT };
  if (signing) Object.assign(headers, SCHEMES[signing.scheme]!.sign!(body, signing.secret, { id }));
  const started = performance.now();
  try {
    const response = await request(url, { method: 'POST', headers, body, headersTimeout: 5000, bodyTimeout: 5000 });
    await response.body.dump();
    return { url, status: response.statusCode, ms: performance.now() - started };
  } catch (error) {
    return { url, ms: performance.now() - started, error: describeNetworkError(error) };
  }
}
