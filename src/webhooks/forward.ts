import { request } from 'undici';
import { describeNetworkError, MAX_SHOWN_RESPONSE_BYTES, readAtMost } from '../http/client.js';
import { NOT_FORWARDED } from '../shared/http-headers.js';
import type { ReceiveResult } from './receiver.js';

export interface ForwardResult {
  target: string;
  id: string | null;
  status?: number;
  ms: number;
  /** The start of the app's answer body (for --verbose), MAX_SHOWN_RESPONSE_BYTES at most. */
  text?: string;
  error?: string;
}

/** Sends the exact bytes and headers to a local app; resolves with its status and latency. */
export async function forwardDelivery(target: string, result: ReceiveResult): Promise<ForwardResult> {
  const delivery = result.delivery!;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(delivery.headers)) {
    if (value !== undefined && !NOT_FORWARDED.has(name)) headers[name] = value;
  }
  const started = performance.now();
  const id = result.record.id;
  try {
    const response = await request(target, { method: 'POST', headers, body: delivery.body });
    const { text } = await readAtMost(response.body, MAX_SHOWN_RESPONSE_BYTES);
    return { target, id, status: response.statusCode, ms: Math.round(performance.now() - started), text };
  } catch (error) {
    return { target, id, ms: Math.round(performance.now() - started), error: describeNetworkError(error) };
  }
}
