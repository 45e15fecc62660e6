import { type CaptureRecord, serializeRecord } from '../../capture/record.js';
import { describeEvent, type IssuerEvent } from '../../issuer/catalog.js';
import { flagHint } from '../../cli/flag-hints.js';
import type { ErrorKind } from '../../errors.js';
import { type FollowFailure, type FollowPlan, type FollowReporter, type FollowTarget, failureLine } from '../../sse/follow.js';
import { formatDuration } from '../../shared/duration.js';
import { escapeControl, escapeLine } from '../../shared/escape.js';
import type { Output, Spinner } from '../output.js';

/** Renders followed SSE events: one line per event, NDJSON with --json, progress on stderr. */
export class EventRenderer implements FollowReporter {
  private spinner: Spinner | undefined;
  private prefix = false;
  /** The last failure reported, for the error record of a command that returns its exit code. */
  lastFailure: string | undefined;

  constructor(private readonly output: Output) {}

  async started(plan: FollowPlan): Promise<void> {
    this.prefix = plan.targets.length > 1;
    const what = plan.targets.length === 1 ? plan.targets[0]!.label : `${plan.targets.length} sessions`;
    this.spinner = await this.output.spinner(`Following ${what}`);
    this.spinner.start();
  }

  finished(): void {
    this.spinner?.stop();
  }

  backpressure(): Promise<void> | undefined {
    return this.output.drained();
  }

  private tag(target: FollowTarget): string {
    return this.prefix ? `[${escapeLine(target.label)}] ` : '';
  }

  connected(target: FollowTarget, attempt: number): void {
    this.output.debug(`${this.tag(target)}connected to ${target.url}${attempt > 1 ? ` (attempt ${attempt})` : ''}`);
  }

  reconnecting(target: FollowTarget, info: { reason: string; reasonKind?: ErrorKind; delayMs: number; failures: number; retries: number }): void {
    const attempt = info.failures > 0 ? ` (attempt ${info.failures + 1}/${info.retries + 1})` : '';
    const reason = `${escapeLine(info.reason)}${flagHint({ kind: info.reasonKind })}`;
    this.output.info(this.output.errColor.yellow(`${this.tag(target)}${reason}; reconnecting in ${formatDuration(info.delayMs)}${attempt}`));
  }

  duplicate(target: FollowTarget, id: string | undefined): void {
    this.output.debug(`${this.tag(target)}replayed event skipped${id ? ` (id ${escapeLine(id)})` : ''}`);
  }

  /** The engine's words, with the flag that changes them after the message (cli/flag-hints.ts). */
  failed(target: FollowTarget, failure: FollowFailure): void {
    this.lastFailure = `${this.tag(target)}${failureLine(failure, flagHint(failure))}`;
    this.output.error(this.lastFailure);
  }

  /**
   * True while a webhook channel is received beside the stream (`offer create --tunnel`): each
   * line says which channel it came from.
   */
  channels = false;

  event(event: IssuerEvent, record: CaptureRecord, target: FollowTarget): void {
    this.line(event, record, this.prefix ? target.label : undefined);
  }

  /** An event a webhook delivered (`offer create --tunnel`). */
  webhook(event: IssuerEvent, record: CaptureRecord): void {
    this.line(event, record, undefined);
  }

  private line(event: IssuerEvent, record: CaptureRecord, label: string | undefined): void {
    if (this.output.json) {
      this.output.recordLine(serializeRecord(record));
      return;
    }
    const output = this.output;
    const c = output.color;
    const paint = event.terminal ? (event.outcome === 'success' ? c.green : c.red) : event.failed ? c.red : (s: string) => s;
    const parts = [c.dim(record.receivedAt.slice(11, 23))];
    if (this.channels) parts.push(c.dim(record.source === 'webhook' ? 'webhook' : 'sse    '));
    if (label !== undefined) parts.push(c.cyan(escapeLine(label)));
    parts.push(paint(c.bold(escapeLine(event.type))));
    if (event.status) parts.push(paint(escapeLine(event.status)));
    const summary = describeEvent(event);
    if (summary) parts.push(c.dim(escapeLine(summary)));
    output.data(parts.join('  '));
    if (output.verbose) {
      const payload = typeof event.data === 'string' ? event.data : prettyJson(event.data);
      output.data(c.dim(escapeControl(payload).replace(/^/gm, '    ')));
    }
  }
}

/** Indented JSON; a payload too deep for JSON.stringify is said to be so instead of crashing. */
function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2);
  } catch (error) {
    if (error instanceof RangeError) return '[payload nested too deeply to print]';
    throw error;
  }
}
