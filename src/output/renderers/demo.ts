import type { CaptureRecord } from '../../capture/record.js';
import type { OfferResponse } from '../../issuer/offers.js';
import type { DemoReporter, DemoResult, Seen } from '../../sandbox/demo.js';
import type { EventNames } from '../../sandbox/events.js';
import type { ClaimOutcome } from '../../sandbox/wallet.js';
import { isPlainObject } from '../../shared/json.js';
import { escapeLine } from '../escape.js';
import type { Output } from '../output.js';

const requestIdOf = (record: CaptureRecord): string | undefined => (isPlainObject(record.data) && typeof record.data.requestId === 'string' ? record.data.requestId : undefined);

/** Renders `demo`: servers, offer, both channels' timelines and a summary. */
export class DemoRenderer implements DemoReporter {
  constructor(private readonly output: Output) {}

  servers(info: { sandboxUrl: string; receiverUrl: string; eventNames: EventNames }): void {
    this.output.info(`Sandbox issuer   ${info.sandboxUrl}  (${info.eventNames} event names)`);
    this.output.info(`Webhook listener ${info.receiverUrl}  (Standard Webhooks, signed by the sandbox)`);
  }

  offer(offer: OfferResponse): void {
    this.output.info(`Offer            ${offer.offerId}  ${escapeLine(offer.credentialOffer)}`);
  }

  claiming(outcome: ClaimOutcome): void {
    this.output.info(`Wallet           claiming with outcome ${outcome}…`);
  }

  log(line: string): void {
    this.output.debug(line);
  }

  timedOut(message: string): void {
    this.output.error(message);
  }

  done(result: DemoResult): void {
    const { output } = this;
    const records = [...result.sse, ...result.webhooks].sort((a, b) => a.at - b.at);
    if (output.json) for (const { record } of records) output.record(record);
    else this.timelines(result);
    const verified = result.webhooks.filter((w) => w.record.verified).length;
    this.summary({ sse: result.sse.length, webhooks: result.webhooks.length, verified, latency: pairLatency(result.sse, result.webhooks), finalStatus: result.finalStatus ?? '?' });
  }

  private timelines({ sse, webhooks, startedAt }: DemoResult): void {
    const { output } = this;
    const c = output.color;
    const rows = new Map<string, { at: number; sse?: Seen; hook?: Seen }>();
    for (const s of sse) rows.set(requestIdOf(s.record) ?? `sse${s.at}`, { at: s.at, sse: s });
    for (const w of webhooks) {
      const key = requestIdOf(w.record) ?? `hook${w.at}`;
      const row = rows.get(key);
      if (row) row.hook = w;
      else rows.set(key, { at: w.at, hook: w });
    }
    const width = 52;
    const cell = (seen: Seen | undefined, mark = ''): string => {
      if (!seen) return ''.padEnd(width);
      const text = `+${String(Math.round(seen.at - startedAt)).padStart(4)}ms ${seen.record.type ?? '?'}${seen.record.status && seen.record.terminal ? ` ${seen.record.status}` : ''}${mark}`;
      return escapeLine(text).padEnd(width);
    };
    output.data(c.bold(`${'SSE (tail)'.padEnd(width)}  Webhook (listen)`));
    for (const row of [...rows.values()].sort((a, b) => a.at - b.at)) {
      const mark = row.hook ? (row.hook.record.verified ? ' ✓' : ' ✗') : '';
      const hook = row.hook ? (row.hook.record.verified ? c.green(cell(row.hook, mark).trimEnd()) : c.red(cell(row.hook, mark).trimEnd())) : '';
      output.data(`${cell(row.sse)}  ${hook}`.trimEnd());
    }
  }

  private summary(s: { sse: number; webhooks: number; verified: number; latency: number[]; finalStatus: string }): void {
    const { output } = this;
    const sorted = [...s.latency].sort((a, b) => a - b);
    const median = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0;
    const lines = [
      `SSE events       ${s.sse}`,
      `Webhooks         ${s.webhooks} (${s.verified} signatures verified, Standard Webhooks)`,
      `Channel gap      webhook ${median >= 0 ? 'after' : 'before'} SSE by ${Math.abs(median).toFixed(1)}ms (median of ${sorted.length})`,
      `Final status     ${s.finalStatus}`,
    ];
    if (!output.json) output.data('');
    // In --json mode the summary is not data: it goes to stderr.
    for (const line of lines) (output.json ? output.info.bind(output) : output.data.bind(output))(line);
  }
}

/** Webhook arrival minus SSE arrival for each event both channels carried, in ms. */
function pairLatency(sse: Seen[], webhooks: Seen[]): number[] {
  const sseAt = new Map(sse.map((s) => [requestIdOf(s.record), s.at]));
  return webhooks.flatMap((w) => {
    const at = sseAt.get(requestIdOf(w.record));
    return at === undefined ? [] : [w.at - at];
  });
}
