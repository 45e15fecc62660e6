import { serializeRecord } from '../../capture/record.js';
import type { ForwardResult } from '../../webhooks/forward.js';
import type { ListenReporter } from '../../webhooks/listener.js';
import type { ReceiveResult } from '../../webhooks/receiver.js';
import { escapeControl, escapeLine } from '../escape.js';
import type { Output } from '../output.js';
import { maskSecret } from '../redact.js';

/** Renders `listen`: the Ready line, one line (or record) per delivery, forwards and the summary. */
/** The verdict column of an answered (2xx) delivery. */
const VERDICTS: Record<ReceiveResult['acceptance'], string> = { verified: '✓ verified', ping: 'ping', unsigned: 'unsigned', rejected: '✗ rejected' };

function paintVerdict(c: Output['color'], result: ReceiveResult, verdict: string): string {
  if (result.status >= 400 || result.acceptance === 'rejected') return c.red(verdict);
  if (result.acceptance === 'verified') return c.green(verdict);
  return result.acceptance === 'ping' ? c.dim(verdict) : c.yellow(verdict);
}

export class DeliveryRenderer implements ListenReporter {
  /** `events`: print only deliveries of these types (`listen --events`); all are still captured and counted. */
  constructor(
    private readonly output: Output,
    private readonly events?: ReadonlySet<string>,
  ) {}

  ready(info: { url: string; scheme: string; secrets: readonly string[]; savePath?: string }): void {
    const { secrets } = info;
    const secretInfo = secrets.length ? `, ${secrets.length} secret${secrets.length > 1 ? 's' : ''} (${secrets.map(maskSecret).join(', ')})` : '';
    this.output.notice(`Ready! Listening on ${info.url} (scheme ${info.scheme}${secretInfo})${info.savePath ? `, saving to ${info.savePath}` : ''}`);
  }

  delivery(result: ReceiveResult): void {
    const { output } = this;
    const { record } = result;
    if (result.conflict) {
      output.warn(`delivery id ${escapeLine(record.id ?? '')} repeated with a different body: recorded as a conflict, not counted`);
      return;
    }
    if (result.duplicate) {
      output.info(output.errColor.dim(`duplicate delivery ${escapeLine(record.id ?? '')} answered 200, not recorded again`));
      return;
    }
    // --events narrows what is printed, as `tail --events` does; rejected requests are always shown.
    if (this.events && result.status < 400 && !this.events.has(record.type ?? '')) return;
    // The capture line when one was written (the same text in the file and on stdout), else
    // serialised here: never spliced (a form body is not the payload's JSON), and a payload too
    // deep for JSON.stringify is replaced by a note instead of crashing.
    if (output.json) output.recordLine(result.line ?? serializeRecord(record));
    else this.line(result);
    if (result.status >= 400 && record.reason) output.warn(`${record.request?.method} ${record.request?.path}: ${record.reason}`);
  }

  /** One line per delivery: time, method and path, scheme, verdict, then type, status, session and id when known. */
  private line(result: ReceiveResult): void {
    const { output } = this;
    const { record } = result;
    const c = output.color;
    // Without colour (a pipe, a file, CI) the line is put together directly: it is written for
    // every delivery, and a call through chalk per field was a few per cent of listen's time.
    const paint = c.level > 0;
    const time = record.receivedAt.slice(11, 23);
    const verdict = result.status >= 400 ? `✗ ${result.status}` : VERDICTS[result.acceptance];
    let text = `${paint ? c.dim(time) : time}  ${record.request?.method} ${escapeLine(record.request?.path ?? '')}  ${record.scheme ?? '-'}  ${paint ? paintVerdict(c, result, verdict) : verdict}`;
    if (record.type) text += `  ${paint ? c.bold(escapeLine(record.type)) : escapeLine(record.type)}`;
    if (record.status) text += `  ${escapeLine(record.status)}`;
    if (record.sessionId) text += `  ${paint ? c.cyan(escapeLine(record.sessionId)) : escapeLine(record.sessionId)}`;
    if (record.id) text += `  ${paint ? c.dim(escapeLine(record.id)) : escapeLine(record.id)}`;
    output.data(text);
    if (output.verbose && record.request?.body) output.data(c.dim(escapeControl(record.request.body).replace(/^/gm, '    ')));
  }

  forwarded(result: ForwardResult): void {
    const { output } = this;
    if (result.error !== undefined) {
      output.warn(`forward to ${result.target} failed: ${result.error} (the delivery is captured)`);
      return;
    }
    const ok = result.status! >= 200 && result.status! < 300;
    const line = `→ ${result.target} ${result.status} in ${result.ms}ms${result.id ? ` (${escapeLine(result.id)})` : ''}`;
    output.info(ok ? output.errColor.green(line) : output.errColor.red(line));
    if (output.verbose && result.text) output.debug(escapeControl(result.text));
  }

  timedOut(message: string): void {
    this.output.error(message);
  }

  summary(info: { counted: number; records?: number; savePath?: string; failedWrites?: number }): void {
    const { counted, records = 0, savePath, failedWrites = 0 } = info;
    const other = records - counted;
    const extra = savePath && other > 0 ? ` (and ${other} other request${other === 1 ? '' : 's'}: rejected, pings or conflicts)` : '';
    this.output.info(`Received ${counted} deliver${counted === 1 ? 'y' : 'ies'}${extra}${savePath ? `; ${records} record${records === 1 ? '' : 's'} in ${savePath}` : ''}`);
    if (failedWrites) this.output.error(`${failedWrites} capture write${failedWrites === 1 ? '' : 's'} to ${savePath} failed (those requests were answered 503)`);
  }

  private lastCaptureWarning = 0;

  captureFailed(error: Error): void {
    // Once a second at most: a full disk under load would otherwise flood stderr.
    if (Date.now() - this.lastCaptureWarning < 1000) return;
    this.lastCaptureWarning = Date.now();
    this.output.error(`capture write failed (${(error as NodeJS.ErrnoException).code ?? error.message}): answering 503 so senders retry, until writes succeed again`);
  }
}
