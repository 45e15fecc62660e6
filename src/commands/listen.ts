import type { CommandContext } from './context.js';
import { CaptureWriter } from '../capture/writer.js';
import { ExitCode, UsageError } from '../errors.js';
import { conditionMet, describeCondition, parseCondition } from '../issuer/condition.js';
import { escapeLine, escapeControl } from '../output/escape.js';
import { maskSecret } from '../output/redact.js';
import type { Output } from '../output/output.js';
import { formatDuration, parseDuration, parseInteger, parseSize } from '../util/duration.js';
import { bindError, untilSignal } from '../util/process.js';
import { SCHEME_NAMES } from '../webhooks/index.js';
import { forwardDelivery } from '../webhooks/forward.js';
import { WebhookReceiver, type ReceiveResult } from '../webhooks/receiver.js';
import type { HmacOptions } from '../webhooks/types.js';

export interface ListenOptions {
  port: string;
  host: string;
  path?: string;
  scheme: string;
  secret?: string[];
  tolerance: string;
  allowUnsigned?: boolean;
  maxBody: string;
  save?: string;
  forwardTo?: string;
  until?: string;
  count?: string;
  timeout?: string;
  failOnInvalid?: boolean;
  signatureHeader?: string;
  signatureEncoding?: string;
  signaturePrefix?: string;
}

function hmacOptions(options: ListenOptions): HmacOptions | undefined {
  if (!options.signatureHeader && !options.signatureEncoding && !options.signaturePrefix) return undefined;
  const encoding = options.signatureEncoding ?? 'hex';
  if (encoding !== 'hex' && encoding !== 'base64') throw new UsageError(`invalid --signature-encoding "${encoding}": use hex or base64`);
  return { header: (options.signatureHeader ?? 'x-signature').toLowerCase(), encoding, prefix: options.signaturePrefix ?? '' };
}

export function checkScheme(scheme: string): string {
  if (!(SCHEME_NAMES as readonly string[]).includes(scheme)) throw new UsageError(`unknown --scheme "${scheme}": use ${SCHEME_NAMES.join(', ')}`);
  return scheme;
}

export async function run(ctx: CommandContext<ListenOptions>): Promise<number> {
  const { options, output } = ctx;
  const scheme = checkScheme(options.scheme);
  const settings = await ctx.settings({ webhookSecret: options.secret });
  const secrets = settings.webhookSecrets;
  if (scheme !== 'auto' && scheme !== 'none' && secrets.length === 0) {
    throw new UsageError(`--scheme ${scheme} needs --secret (or ISSUER_EVENTS_WEBHOOK_SECRET)`);
  }
  const until = options.until === undefined ? undefined : parseCondition(options.until);
  const count = options.count === undefined ? undefined : parseInteger(options.count, '--count', 1);
  const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout, '--timeout');
  const port = parseInteger(options.port, '--port');
  if (port > 65535) throw new UsageError(`invalid --port ${port}`);
  if (options.forwardTo !== undefined && !/^https?:\/\//i.test(options.forwardTo)) throw new UsageError(`invalid --forward-to "${options.forwardTo}": expected an http(s) URL`);
  const path = options.path === undefined ? undefined : options.path.startsWith('/') ? options.path : `/${options.path}`;
  const capture = options.save ? await CaptureWriter.open(options.save) : undefined;

  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  let counted = 0;
  const forwards = new Set<Promise<void>>();
  const receiver = new WebhookReceiver({
    host: options.host,
    port,
    path,
    scheme,
    secrets,
    toleranceSec: Math.round(parseDuration(options.tolerance, '--tolerance') / 1000),
    allowUnsigned: Boolean(options.allowUnsigned),
    maxBody: parseSize(options.maxBody, '--max-body'),
    hmac: hmacOptions(options),
    capture,
    onResult(result) {
      report(output, result);
      if (result.status === 401 && options.failOnInvalid) finish(ExitCode.INVALID_SIGNATURE);
      if (!result.counted) return;
      counted++;
      if (options.forwardTo && result.delivery) {
        const p = forwardDelivery(options.forwardTo, result, output).finally(() => forwards.delete(p));
        forwards.add(p);
      }
      if (until && conditionMet(until, { type: result.record.type ?? '', status: result.record.status ?? undefined })) finish(ExitCode.OK);
      else if (!until && count !== undefined && counted >= count) finish(ExitCode.OK);
    },
  });
  try {
    await receiver.start();
  } catch (error) {
    await capture?.close();
    throw bindError(options.host, port, error);
  }
  const secretInfo = secrets.length ? `, ${secrets.length} secret${secrets.length > 1 ? 's' : ''} (${secrets.map(maskSecret).join(', ')})` : '';
  output.notice(`Ready! Listening on ${receiver.url} (scheme ${scheme}${secretInfo})${capture ? `, saving to ${capture.path}` : ''}`);
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
    const what = until ? describeCondition(until) : count !== undefined ? `${count} deliveries (got ${counted})` : 'the end';
    output.error(`no ${what} within ${formatDuration(timeoutMs)} (--timeout)`);
    finish(ExitCode.TIMEOUT);
  }, timeoutMs);
  const code = await untilSignal(finished);
  clearTimeout(timer);
  // Stop accepting, let in-flight requests finish and be recorded, then close the capture.
  await receiver.close();
  await Promise.allSettled([...forwards]);
  await capture?.close();
  output.info(`Received ${counted} deliver${counted === 1 ? 'y' : 'ies'}${capture ? `; ${capture.count} record${capture.count === 1 ? '' : 's'} in ${capture.path}` : ''}`);
  return code;
}

function report(output: Output, result: ReceiveResult): void {
  const { record } = result;
  if (result.duplicate) {
    output.info(output.errColor.dim(`duplicate delivery ${escapeLine(record.id ?? '')} answered 200, not recorded again`));
    return;
  }
  if (output.json) {
    output.record(record);
  } else {
    const c = output.color;
    const verdict = result.status >= 400 ? c.red(`✗ ${result.status}`) : result.ping ? c.dim('ping') : record.verified ? c.green('✓ verified') : c.yellow('unsigned');
    const parts = [c.dim(record.receivedAt.slice(11, 23)), `${record.request?.method} ${escapeLine(record.request?.path ?? '')}`, record.scheme ?? '-', verdict];
    if (record.type) parts.push(c.bold(escapeLine(record.type)));
    if (record.status) parts.push(escapeLine(record.status));
    if (record.sessionId) parts.push(c.cyan(escapeLine(record.sessionId)));
    if (record.id) parts.push(c.dim(escapeLine(record.id)));
    output.data(parts.join('  '));
    if (output.verbose && record.request?.body) output.data(c.dim(escapeControl(record.request.body).replace(/^/gm, '    ')));
  }
  if (result.status >= 400 && record.reason) output.warn(`${record.request?.method} ${record.request?.path}: ${record.reason}`);
}
