import type { CheckOutcome, CheckReporter } from '../../check/engine.js';
import { byModule, type CheckStatus, tally, tallyLine } from '../../report/checks.js';
import { formatDuration } from '../../shared/duration.js';
import { maskUserinfo } from '../../shared/url.js';
import type { HttpExchange } from '../../wallet/transport.js';
import { escapeLine } from '../../shared/escape.js';
import type { Output, Spinner } from '../output.js';
import { MASKED } from '../../shared/redact.js';
import { shownBody } from './exchange.js';

/** Query parameters that grant access (the token-in-query scenario sends the access token so). */
const SECRET_QUERY = /([?&](?:access_token|pre-authorized_code|tx_code)=)[^&#]*/g;

const MARKS: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '-' };

/**
 * Renders `check`: progress on stderr; on stdout the report grouped by module, one line per check,
 * and the tally last — or, with --json, one `{"kind":"check"}` record per check, then one
 * `{"kind":"check-summary"}`.
 */
export class CheckRenderer implements CheckReporter {
  private spinner?: Spinner;

  constructor(private readonly output: Output) {}

  async start(): Promise<void> {
    this.spinner = await this.output.spinner('checking');
  }

  started(info: Parameters<NonNullable<CheckReporter['started']>>[0]): void {
    const via = info.tunnel ? `${info.tunnel} → receiver` : 'receiver';
    const events = info.webhookUrl ? `; webhooks to ${info.webhookUrl}${info.localWebhookUrl !== info.webhookUrl ? ` (${via} ${info.localWebhookUrl})` : ''}` : '';
    this.output.info(
      `Checking ${escapeLine(info.subject)}: ${info.profiles.length} profile${info.profiles.length === 1 ? '' : 's'} (${escapeLine(info.profiles.join(', '))}), ${info.scenarios} scenarios${escapeLine(events)}`,
    );
    this.spinner?.start(`checking 0/${info.scenarios}`);
  }

  progress(done: number, total: number): void {
    if (this.spinner) this.spinner.text = `checking ${done}/${total}`;
  }

  exchange(exchange: HttpExchange): void {
    if (!this.output.verbose) return;
    const { output } = this;
    // The token-in-query scenario puts the access token in the URL: masked like the bodies' tokens.
    output.debug(
      `${exchange.method} ${escapeLine(maskUserinfo(exchange.url).replace(SECRET_QUERY, `$1${MASKED}`))} → ${exchange.status ?? exchange.error} (${formatDuration(exchange.ms)})`,
    );
    for (const line of shownBody(exchange.requestBody)) output.debug(`  > ${line}`);
    for (const line of shownBody(exchange.responseBody)) output.debug(`  < ${line}`);
  }

  report(outcome: CheckOutcome): void {
    this.spinner?.stop();
    const { output } = this;
    const totals = tally(outcome.results);
    const ms = Math.round(outcome.ms);
    if (output.json) {
      for (const r of outcome.results)
        output.record({ kind: 'check', module: r.module, check: r.check, profile: r.profile, status: r.status, ms: r.ms, detail: r.detail, spec: r.spec });
      output.record({ kind: 'check-summary', ...totals, ms, latency: outcome.latency });
      return;
    }
    const c = output.color;
    const paint: Record<CheckStatus, (s: string) => string> = { pass: c.green, fail: c.red, warn: c.yellow, skip: c.dim };
    for (const [module, results] of byModule(outcome.results)) {
      output.data(c.bold(module));
      for (const r of results) {
        const name = `${r.profile ? `${r.profile}: ` : ''}${r.check}`;
        const detail = r.detail ? escapeLine(r.detail) : '';
        const spec = r.spec && r.status !== 'pass' ? c.dim(` [${r.spec}]`) : '';
        const time = c.dim(formatDuration(r.ms).padStart(6));
        output.data(`  ${paint[r.status](MARKS[r.status])} ${escapeLine(name)} ${time}${detail ? `  ${r.status === 'pass' ? c.dim(detail) : detail}` : ''}${spec}`);
      }
    }
    const latency = (['sse', 'webhook'] as const)
      .filter((channel) => outcome.latency[channel])
      .map((channel) => `${channel} p50 ${outcome.latency[channel]!.p50}ms, max ${outcome.latency[channel]!.max}ms`);
    if (latency.length) output.data(c.dim(`event delivery: ${latency.join(' · ')}`));
    const line = tallyLine(outcome.results, ms);
    output.data(totals.failed ? c.red(line) : totals.warned ? c.yellow(line) : c.green(line));
  }
}
