import { serializeRecord } from '../../capture/record.js';
import { flagHint } from '../../cli/flag-hints.js';
import { formatDuration } from '../../shared/duration.js';
import type { ForwardResult } from '../../webhooks/forward.js';
import type { TunnelState } from '../../tunnel/types.js';
import type { ListenReporter, PublicUrl } from '../../webhooks/listener.js';
import type { ReceiveResult } from '../../webhooks/receiver.js';
import type { SchemeChoice } from '../../webhooks/index.js';
import { escapeControl, escapeLine } from '../../shared/escape.js';
import type { Output } from '../output.js';
import { maskSecret } from '../../shared/redact.js';
import { renderTunnelRecord, renderTunnelStatus } from './tunnel.js';
import { displayWidth, shorten } from '../width.js';

/** Renders `listen`: the Ready line, one line (or record) per delivery, forwards and the summary. */
/** The verdict column of an answered (2xx) delivery. */
const VERDICTS: Record<ReceiveResult['acceptance'], string> = { verified: '✓ verified', ping: 'ping', unsigned: 'unsigned', rejected: '✗ rejected' };

function paintVerdict(c: Output['color'], result: ReceiveResult, verdict: string): string {
  if (result.status >= 400 || result.acceptance === 'rejected') return c.red(verdict);
  if (result.acceptance === 'verified') return c.green(verdict);
  return result.acceptance === 'ping' ? c.dim(verdict) : c.yellow(verdict);
}

/** The parts of a delivery line, as printed (escaped, not coloured); those that may be cut or left out are optional. */
interface LineParts {
  time: string;
  method: string;
  path: string;
  scheme: string;
  verdict: string;
  type?: string;
  status?: string;
  session?: string;
  id?: string;
}

type Optional = 'type' | 'session' | 'id';

/**
 * What gives way when a line is wider than the terminal, least important first: the delivery id,
 * then the path (the same on most lines), the session, the type. Each step cuts one part in the
 * middle to at most that many columns, only as far as needed; 0 leaves the part out. The time,
 * method, scheme, verdict and status are never cut.
 */
const GIVE_WAY: ReadonlyArray<readonly ['path' | Optional, number]> = [
  ['id', 12],
  ['path', 16],
  ['id', 0],
  ['session', 12],
  ['type', 20],
  ['path', 8],
  ['session', 0],
  ['type', 12],
  ['path', 2],
  ['type', 8],
];

function lineWidth(p: LineParts): number {
  let width = displayWidth(p.time) + 2 + displayWidth(p.method) + 1 + displayWidth(p.path) + 2 + displayWidth(p.scheme) + 2 + displayWidth(p.verdict);
  for (const part of [p.type, p.status, p.session, p.id]) if (part !== undefined) width += 2 + displayWidth(part);
  return width;
}

/** The parts cut (GIVE_WAY) until the line fits `width` columns, or nothing more may be cut. */
function fitParts(parts: LineParts, width: number): LineParts {
  let over = lineWidth(parts) - width;
  if (over <= 0) return parts;
  const fitted = { ...parts };
  for (const [key, most] of GIVE_WAY) {
    const text = fitted[key];
    if (text === undefined) continue;
    const before = displayWidth(text);
    if (most === 0 && key !== 'path') {
      fitted[key] = undefined;
      over -= before + 2;
    } else {
      const target = Math.max(most, before - over);
      if (target >= before) continue;
      const cut = shorten(text, target);
      fitted[key] = cut;
      over -= before - displayWidth(cut);
    }
    if (over <= 0) break;
  }
  // Leaving a part out can free more than was needed: the spare columns go back to what was cut,
  // most important first.
  for (const key of ['type', 'session', 'path'] as const) {
    const cut = fitted[key];
    const whole = parts[key]!;
    if (over >= 0 || cut === undefined || cut === whole) continue;
    const longer = shorten(whole, displayWidth(cut) - over);
    over += displayWidth(longer) - displayWidth(cut);
    fitted[key] = longer;
  }
  return fitted;
}

export class DeliveryRenderer implements ListenReporter {
  /**
   * `events`: print only deliveries of these types (`listen --events`); all are still captured and
   * counted. `width`: the columns each delivery line must fit (default: the terminal's, see
   * Output.columns); undefined leaves lines whole.
   */
  constructor(
    private readonly output: Output,
    private readonly events?: ReadonlySet<string>,
    private readonly width: number | undefined = output.columns,
  ) {}

  ready(info: { url: string; scheme: SchemeChoice; secrets: readonly string[]; savePath?: string; tunnel?: PublicUrl }): void {
    const { secrets, tunnel } = info;
    const secretInfo = secrets.length ? `, ${secrets.length} secret${secrets.length > 1 ? 's' : ''} (${secrets.map(maskSecret).join(', ')})` : '';
    const publicInfo = tunnel ? `, public URL ${escapeLine(tunnel.url)} (${tunnel.provider})` : '';
    // --json: the public URL is a record of its own, first on stdout, for a script to hand to the issuer.
    if (tunnel) renderTunnelRecord(this.output, tunnel, info.url);
    this.output.notice(`Ready! Listening on ${info.url} (scheme ${info.scheme}${secretInfo})${publicInfo}${info.savePath ? `, saving to ${info.savePath}` : ''}`);
    if (tunnel)
      this.output.info(`Give the issuer ${escapeLine(tunnel.url)} as its webhook URL: ${tunnel.provider} forwards each request to this listener with its body unchanged.`);
  }

  tunnelStatus(state: TunnelState, tunnel: PublicUrl): void {
    renderTunnelStatus(this.output, state, tunnel, 'this listener');
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
    if (output.json) output.recordLine(serializeRecord(record));
    else this.line(result);
    // The receiver's words (the capture's reason), then the flag that changes them.
    if (result.status >= 400 && record.reason) output.warn(`${record.request?.method} ${record.request?.path}: ${record.reason}${flagHint(result)}`);
  }

  /**
   * One line per delivery: time, method and path, scheme, verdict, then type, status, session and
   * id when known; cut to the terminal's width when there is one (a wrapped line is harder to read).
   */
  private line(result: ReceiveResult): void {
    const { output } = this;
    const { record } = result;
    const c = output.color;
    let p: LineParts = {
      time: record.receivedAt.slice(11, 23),
      method: `${record.request?.method}`,
      path: escapeLine(record.request?.path ?? ''),
      scheme: record.scheme ?? '-',
      verdict: result.status >= 400 ? `✗ ${result.status}` : VERDICTS[result.acceptance],
      type: record.type ? escapeLine(record.type) : undefined,
      status: record.status ? escapeLine(record.status) : undefined,
      session: record.sessionId ? escapeLine(record.sessionId) : undefined,
      id: record.id ? escapeLine(record.id) : undefined,
    };
    if (this.width !== undefined) p = fitParts(p, this.width);
    // Without colour (a pipe, a file, CI) the line is put together directly: it is written for
    // every delivery, and a call through chalk per field was a few per cent of listen's time.
    const paint = c.level > 0;
    let text = `${paint ? c.dim(p.time) : p.time}  ${p.method} ${p.path}  ${p.scheme}  ${paint ? paintVerdict(c, result, p.verdict) : p.verdict}`;
    if (p.type !== undefined) text += `  ${paint ? c.bold(p.type) : p.type}`;
    if (p.status !== undefined) text += `  ${p.status}`;
    if (p.session !== undefined) text += `  ${paint ? c.cyan(p.session) : p.session}`;
    if (p.id !== undefined) text += `  ${paint ? c.dim(p.id) : p.id}`;
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

  timedOut(info: { limitMs: number; counted: number; unmet?: string }): void {
    const limit = formatDuration(info.limitMs);
    const { counted } = info;
    // Without a condition, the timeout alone ended the run: say which flags make it a waiter.
    this.output.error(
      info.unmet
        ? `${info.unmet} within ${limit}${flagHint({ kind: 'deadline' })}`
        : `--timeout ${limit} reached after ${counted} deliver${counted === 1 ? 'y' : 'ies'} (no --until or --count was set)`,
    );
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
