import type { OfferResponse } from '../../issuer/offers.js';
import type { DemoReporter, DemoResult, Seen } from '../../sandbox/demo.js';
import type { EventNames } from '../../sandbox/events.js';
import type { ClaimOutcome } from '../../sandbox/wallet.js';
import { isPlainObject } from '../../shared/json.js';
import { escapeLine } from '../escape.js';
import type { Output } from '../output.js';

/**
 * Keys that pair the same event on both channels: request id and type (one request can cause
 * several events: the credential event and the status change share a requestId); v1.0.0-PRE
 * sends no requestId, so there the n-th event of a type pairs with the n-th of the other channel.
 */
function eventKeys(seen: Seen[]): string[] {
  const counts = new Map<string, number>();
  return seen.map(({ record }) => {
    const requestId = isPlainObject(record.data) && typeof record.data.requestId === 'string' ? record.data.requestId : '';
    const base = `${requestId} ${record.type}`;
    const n = (counts.get(base) ?? 0) + 1;
    counts.set(base, n);
    return `${base} #${n}`;
  });
}

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
    else {
      this.steps(result);
      this.timelines(result);
    }
    const verified = result.webhooks.filter((w) => w.record.verified).length;
    this.summary({ sse: result.sse.length, webhooks: result.webhooks.length, verified, latency: pairLatency(result.sse, result.webhooks), finalStatus: result.finalStatus ?? '?' });
  }

  /** The wallet's side: each protocol step, when it ended, how long it took. */
  private steps({ steps, startedAt, refusal }: DemoResult): void {
    const c = this.output.color;
    this.output.data(c.bold('Wallet (claim)'));
    for (const { step, at } of steps) {
      const mark = step.status === 'ok' ? c.green('✓') : c.red('✗');
      this.output.data(`+${String(Math.round(at - startedAt)).padStart(4)}ms ${mark} ${step.name.padEnd(30)} ${String(Math.round(step.ms)).padStart(4)}ms`);
    }
    if (refusal) this.output.data(c.red(`refused: ${escapeLine(refusal)}`));
    this.output.data('');
  }

  private timelines({ sse, webhooks, startedAt }: DemoResult): void {
    const { output } = this;
    const c = output.color;
    const rows = new Map<string, { at: number; sse?: Seen; hook?: Seen }>();
    const sseKeys = eventKeys(sse);
    const hookKeys = eventKeys(webhooks);
    for (const [i, s] of sse.entries()) rows.set(sseKeys[i]!, { at: s.at, sse: s });
    for (const [i, w] of webhooks.entries()) {
      const key = hookKeys[i]!;
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
  const sseKeys = eventKeys(sse);
  const hookKeys = eventKeys(webhooks);
  const sseAt = new Map(sse.map((s, i) => [sseKeys[i], s.at]));
  return webhooks.flatMap((w, i) => {
    const at = sseAt.get(hookKeys[i]);
    return at === undefined ? [] : [w.at - at];
  });
}
