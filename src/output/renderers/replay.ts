import { ExitCode } from '../../errors.js';
import type { ReplayReporter } from '../../replay/engine.js';
import type { Planned, SendResult } from '../../replay/sender.js';
import { escapeLine } from '../escape.js';
import type { Output, Spinner } from '../output.js';

/** Renders `replay`: a line (or record) per delivery, the summary, and what --serve-sse serves. */
export class ReplayRenderer implements ReplayReporter {
  private spinner: Spinner | undefined;

  constructor(
    private readonly output: Output,
    private readonly to = '',
  ) {}

  loaded(info: { records: number; invalid: number; files: number }): void {
    if (info.invalid) this.output.warn(`skipped ${info.invalid} invalid line${info.invalid === 1 ? '' : 's'} (--skip-invalid)`);
    this.output.debug(`${info.records} records in ${info.files} file${info.files === 1 ? '' : 's'}`);
  }

  staleSignatures(ageSec: number): void {
    this.output.warn(`original signatures are ${Math.round(ageSec / 60)} min old: receivers that check timestamps will reject them; re-sign with --scheme and --secret`);
  }

  planned({ at, delivery }: Planned, n: number): void {
    const headers = Object.keys(delivery.headers);
    if (this.output.json) {
      this.output.record({
        index: n,
        file: at.file,
        line: at.line,
        to: this.to,
        id: delivery.id,
        type: at.record.type ?? null,
        bytes: delivery.body.length,
        headers,
        dryRun: true,
      });
    } else {
      this.output.data(`${n}  POST ${this.to}  ${escapeLine(delivery.id ?? '-')}  ${escapeLine(at.record.type ?? '-')}  ${delivery.body.length} bytes  [${headers.join(', ')}]`);
    }
  }

  async started(): Promise<void> {
    this.spinner = await this.output.spinner('Replaying');
    this.spinner.start();
  }

  result(result: SendResult, sent: number): void {
    if (this.spinner) this.spinner.text = `Replaying: ${sent} sent`;
    const { output } = this;
    if (output.json) {
      output.record(result);
      return;
    }
    const c = output.color;
    const verdict = result.ok ? c.green(`✓ ${result.status}`) : c.red(`✗ ${result.status ?? 'ERR'}`);
    const retried = result.attempts > 1 ? c.yellow(` (${result.attempts} attempts)`) : '';
    output.data(
      `${verdict}  ${Math.round(result.ms)}ms  ${escapeLine(result.type ?? '-')}  ${c.dim(escapeLine(result.id ?? '-'))}${retried}${result.ok ? '' : `  ${escapeLine(result.error ?? '')}`}`,
    );
  }

  finished(results: SendResult[], info: { dryRun: boolean; planned: number }): number {
    this.spinner?.stop();
    const { output } = this;
    if (info.dryRun) {
      output.info(`dry run: ${info.planned} deliver${info.planned === 1 ? 'y' : 'ies'} would be sent to ${this.to}`);
      return ExitCode.OK;
    }
    const failed = results.filter((r) => !r.ok);
    const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
    const retried = results.filter((r) => r.attempts > 1).length;
    output.info(
      `Sent ${results.length}: ${results.length - failed.length} 2xx, ${failed.length} failed, ${retried} retried; latency p50 ${Math.round(percentile(latencies, 50))}ms, p99 ${Math.round(percentile(latencies, 99))}ms`,
    );
    if (failed.length === 0) return ExitCode.OK;
    for (const f of failed.slice(0, 20)) output.error(`${f.file}:${f.line} (${f.id ?? 'no id'}): ${f.error ?? 'failed'} after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}`);
    if (failed.length > 20) output.error(`… and ${failed.length - 20} more failures`);
    return ExitCode.FAILURE;
  }

  serving(info: { url: string; sessions: { id: string; events: number }[]; speed: number }): void {
    const { output } = this;
    for (const s of info.sessions) {
      const url = `${info.url}/issuer2/sessions/${encodeURIComponent(s.id)}/events`;
      if (output.json) output.record({ sessionId: s.id, events: s.events, url });
      else output.data(`${escapeLine(s.id)}  ${s.events} events  ${url}`);
    }
    output.flush();
    const n = info.sessions.length;
    output.notice(`Ready! Serving ${n} session${n === 1 ? '' : 's'} at ${info.url}/issuer2/sessions/{id}/events (speed ${info.speed}x)`);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}
