import { request } from 'undici';
import { describeNetworkError } from '../http/client.js';
import { escapeControl, escapeLine } from '../output/escape.js';
import type { Output } from '../output/output.js';
import type { ReceiveResult } from './receiver.js';

// RFC 9110 §7.6.1 hop-by-hop headers, plus those the forwarding request sets itself.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length']);

/** Sends the exact bytes and headers to a local app and reports its status and latency. */
export async function forwardDelivery(target: string, result: ReceiveResult, output: Output): Promise<void> {
  const delivery = result.delivery!;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(delivery.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  const started = performance.now();
  try {
    const response = await request(target, { method: 'POST', headers, body: delivery.body });
    const text = await response.body.text();
    const ms = Math.round(performance.now() - started);
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    const line = `→ ${target} ${response.statusCode} in ${ms}ms${result.record.id ? ` (${escapeLine(result.record.id)})` : ''}`;
    output.info(ok ? output.errColor.green(line) : output.errColor.red(line));
    if (output.verbose && text) output.debug(escapeControl(text));
  } catch (error) {
    output.warn(`forward to ${target} failed: ${describeNetworkError(error)} (the delivery is captured)`);
  }
}
