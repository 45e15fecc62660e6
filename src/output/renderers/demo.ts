import type { OfferResponse } from '../../issuer/offers.js';
import { flagHint } from '../../cli/flag-hints.js';
import type { DemoReporter, DemoResult, Seen } from '../../sandbox/demo.js';
import { type FollowFailure, failureLine } from '../../sse/follow.js';
import type { EventNames } from '../../sandbox/events.js';
import type { ClaimOutcome } from '../../sandbox/wallet.js';
import { isPlainObject } from '../../shared/json.js';
import { escapeLine } from '../../shared/escape.js';
import type { Output } from '../output.js';
import { fit } from '../width.js';

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

/** Renders `demo`: servers, offer, both channels' timelines, a summary, and how to do it by hand. */
export class DemoRenderer implements DemoReporter {
  constructor(
    private readonly output: Output,
    private readonly profileId = 'openBadgeCredential',
  ) {}

  /** The same run as separate commands, each fitting 80 columns, to try on one's own. */
  private byHand(): void {
    const lines = [
      '',
      'By hand, in three terminals:',
      '  export SECRET="whsec_$(openssl rand -base64 24)"',
      '  issuer-events sandbox --webhook-scheme standard --webhook-secret "$SECRET"',
      '  issuer-events listen --secret "$SECRET" --until status:SUCCESSFUL',
      `  issuer-events offer create --profile ${this.profileId} \\`,
      '      --webhook-url http://127.0.0.1:8787/ --claim --timeout 30s',
    ];
    for (const line of lines) this.output.info(line);
  }

  servers(info: { sandboxUrl: string; receiverUrl: string; eventNames: EventNames }): void {
    this.output.info(`Sandbox issuer   ${info.sandboxUrl}  (${info.eventNames} event names)`);
    this.output.info(`Webhook listener ${info.receiverUrl}  (signed: Standard Webhooks)`);
  }

  offer(offer: OfferResponse): void {
    this.output.info(`Session          ${escapeLine(offer.offerId)}`);
    this.output.info(`Offer            ${escapeLine(offer.credentialOffer)}`);
  }

  claiming(outcome: ClaimOutcome): void {
    this.output.info(`Wallet           claiming with outcome ${outcome}…`);
  }

  log(line: string): void {
    this.output.debug(line);
  }

  timedOut(failure: FollowFailure): void {
    this.output.error(failureLine(failure, flagHint(failure)));
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
    // The commands to type reproduce a successful run; after a failure, the failure is the last word.
    if (result.error) output.error(result.error);
    else this.byHand();
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
    const rows = pairRows(sse, webhooks);
    // A wrapped row is worse than a shortened one; a pipe gets 80 columns.
    const columns = this.output.columns ?? 80;
    // Side by side only where two columns fit; below ~110 columns one stacked list, still in time order.
    if (columns >= SIDE_BY_SIDE_MIN) this.sideBySide(rows, startedAt, Math.floor((columns - 2) / 2));
    else this.stacked(rows, startedAt, columns);
  }

  private sideBySide(rows: Row[], startedAt: number, width: number): void {
    const { output } = this;
    const c = output.color;
    output.data(c.bold(`${'SSE (tail)'.padEnd(width)}  Webhook (listen)`));
    for (const row of rows) {
      const left = row.sse ? fit(describeSeen(row.sse, startedAt), width) : '';
      const right = row.hook ? fit(`${describeSeen(row.hook, startedAt)}${row.hook.record.verified ? ' ✓' : ' ✗'}`, width) : '';
      output.data(`${left.padEnd(width)}  ${row.hook ? (row.hook.record.verified ? c.green(right) : c.red(right)) : ''}`.trimEnd());
    }
  }

  private stacked(rows: Row[], startedAt: number, columns: number): void {
    const { output } = this;
    const c = output.color;
    output.data(c.bold('Events (SSE = tail, webhook = listen)'));
    for (const row of rows) {
      if (row.sse) output.data(fit(`SSE      ${describeSeen(row.sse, startedAt)}`, columns));
      if (row.hook) {
        const line = fit(`webhook  ${describeSeen(row.hook, startedAt)}${row.hook.record.verified ? ' ✓' : ' ✗'}`, columns);
        output.data(row.hook.record.verified ? c.green(line) : c.red(line));
      }
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

/** Two columns need this many; narrower terminals get the stacked list. */
const SIDE_BY_SIDE_MIN = 110;

interface Row {
  at: number;
  sse?: Seen;
  hook?: Seen;
}

/** The same event on both channels in one row, rows in time order. */
function pairRows(sse: Seen[], webhooks: Seen[]): Row[] {
  const rows = new Map<string, Row>();
  const sseKeys = eventKeys(sse);
  const hookKeys = eventKeys(webhooks);
  for (const [i, s] of sse.entries()) rows.set(sseKeys[i]!, { at: s.at, sse: s });
  for (const [i, w] of webhooks.entries()) {
    const row = rows.get(hookKeys[i]!);
    if (row) row.hook = w;
    else rows.set(hookKeys[i]!, { at: w.at, hook: w });
  }
  return [...rows.values()].sort((a, b) => a.at - b.at);
}

function describeSeen(seen: Seen, startedAt: number): string {
  const { record } = seen;
  return escapeLine(`+${String(Math.round(seen.at - startedAt)).padStart(4)}ms ${record.type ?? '?'}${record.status && record.terminal ? ` ${record.status}` : ''}`);
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
