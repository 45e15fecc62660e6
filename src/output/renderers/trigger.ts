import { errorDetail } from '../../http/client.js';
import type { TriggerResult } from '../../trigger/send.js';
import { maskUserinfo } from '../../shared/url.js';
import { escapeLine } from '../../shared/escape.js';
import { renderRequestPreview } from './exchange.js';
import type { Output } from '../output.js';

/**
 * `trigger`'s answer: with --json one object (`kind: "trigger"`); else one line on stdout naming
 * what was sent and what came back, and for --dry-run the whole request.
 */
export function renderTrigger(output: Output, result: TriggerResult, info: { dryRun: boolean }): void {
  const to = maskUserinfo(result.to);
  const what = `${result.type} (${result.provider}, ${result.scheme === 'none' ? 'unsigned' : `${result.scheme} signature`}, id ${result.id}, session ${result.sessionId})`;
  if (info.dryRun) {
    renderRequestPreview(output, 'trigger-request', { method: 'POST', url: result.to, headers: result.headers, body: JSON.parse(result.body) as unknown });
    output.info(`dry run: ${escapeLine(what)} not sent`);
    return;
  }
  if (output.json) {
    const { response, headers, body, ...rest } = result;
    output.record({ kind: 'trigger', ...rest, to });
    return;
  }
  const c = output.color;
  output.data(`${result.ok ? c.green(String(result.status)) : c.red(String(result.status))}  POST ${escapeLine(to)}  ${escapeLine(what)}  ${result.ms} ms`);
  if (!result.ok) output.error(`${to} answered ${result.status}${result.response ? `: ${errorDetail(result.response)}` : ''}`);
}
