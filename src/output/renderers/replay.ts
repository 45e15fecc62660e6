import { ExitCode } from '../../errors.js';
import type { ReplayReporter } from '../../replay/engine.js';
import type { Planned, SendResult } from '../../replay/sender.js';
import { escapeLine } from '../../shared/escape.js';
import type { Output, Spinner } from '../output.js';

/** Renders `replay`: a line (or record) per delivery, the summary, and what --serve-sse serves. */
export class ReplayRenderer implements ReplayReporter {
  private spinner: Spinner | undefined;

  constructor(
    private readonly output: Output,
    private readonly to = '',
  ) {}

  private loadedRecords = 0;

  loaded(info: { records: number; invalid: number; files: number }): void {
    this.loadedRecords = info.records;
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
        kind: 'replay-plan',
        index: n,
        file: at.file,
        line: at.line,
        to: this.to || null,
        id: delivery.id,
        type: at.record.type ?? null,
        bytes: delivery.body.length,
        headers,
        dryRun: true,
      });
    } else {
      this.output.data(
        `${n}  POST ${this.to || '<--to url>'}  ${escapeLine(delivery.id ?? '-')}  ${escapeLine(at.record.type ?? '-')}  ${delivery.body.length} bytes  [${headers.join(', ')}]`,
      );
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
      output.record({ kind: 'replay', ...result, ms: Math.round(result.ms) });
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
    // A selection that matched nothing is a failure: in CI it means a wrong filter or an empty capture.
    if (info.planned === 0) {
      output.error(`nothing to replay: no record of ${this.loadedRecords} matches${this.loadedRecords ? ' the filters (rejected requests need --include-rejected)' : ''}`);
      return ExitCode.FAILURE;
    }
    if (info.dryRun) {
      output.info(`dry run: ${info.planned} deliver${info.planned === 1 ? 'y' : 'ies'} would be sent${this.to ? ` to ${this.to}` : ''}`);
      return ExitCode.OK;
    }
    const failed = results.filter((r) => !r.ok).length;
    const latencies = results.map((r) => r.ms).sort((a, b) => a - b);
    const attempts = results.reduce((sum, r) => sum + r.attempts, 0);
    const retries = attempts - results.length;
    // Each failure was printed as it happened (stdout); the summary only counts.
    output.info(
      `Sent ${results.length}: ${results.length - failed} delivered (2xx), ${failed} failed; ${attempts} attempt${attempts === 1 ? '' : 's'} (${retries} retr${retries === 1 ? 'y' : 'ies'}); latency p50 ${Math.round(percentile(latencies, 50))}ms, p99 ${Math.round(percentile(latencies, 99))}ms`,
    );
    return failed === 0 ? ExitCode.OK : ExitCode.FAILURE;
  }

  serving(info: { url: string; sessions: { id: string; events: number }[]; speed: number }): void {
    const { output } = this;
    for (const s of info.sessions) {
      const url = `${info.url}/issuer2/sessions/${encodeURIComponent(s.id)}/events`;
      if (output.json) output.record({ kind: 'session', sessionId: s.id, events: s.events, url });
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
