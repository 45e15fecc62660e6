import type { CommandContext } from './context.js';
import { readCaptures, validateCaptures, type RecordAt } from '../capture/reader.js';
import { ExitCode, UsageError } from '../errors.js';
import { createDispatcher } from '../http/client.js';
import { escapeLine } from '../output/escape.js';
import type { Output } from '../output/output.js';
import { signingSchemes, toDelivery, type ResignOptions } from '../replay/delivery.js';
import { parseFilters, wasRejected } from '../replay/filter.js';
import { sendAll, type Planned, type SendResult } from '../replay/sender.js';
import { CapturedSseServer } from '../replay/sse-server.js';
import { parseDuration, parseInteger } from '../util/duration.js';
import { bindError, untilSignal } from '../util/process.js';

export interface ReplayOptions {
  to?: string;
  serveSse?: boolean;
  port: string;
  host: string;
  scheme?: string;
  secret?: string[];
  newIds?: boolean;
  concurrency: string;
  rate?: string;
  speed?: string;
  filter?: string[];
  includeRejected?: boolean;
  retries: string;
  timeout: string;
  dryRun?: boolean;
  skipInvalid?: boolean;
}

function parseRate(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:\/s)?\s*$/.exec(text);
  if (!match || Number(match[1]) <= 0) throw new UsageError(`invalid --rate "${text}": deliveries per second, e.g. 10 or 10/s`);
  return Number(match[1]);
}

function parseSpeed(text: string): number {
  const value = Number(text.replace(/x$/i, ''));
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`invalid --speed "${text}": a factor > 0, e.g. 1, 10, 0.5`);
  return value;
}

/** Captures up to this size are parsed once and kept; larger ones are streamed twice. */
const KEEP_BYTES = 32 * 1024 * 1024;

async function* fromArray<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

export async function run(ctx: CommandContext<ReplayOptions>, files: string[]): Promise<number> {
  const { options, output } = ctx;
  if (!files?.length) throw new UsageError('missing capture file: replay <capture-file>...');
  if (!options.serveSse && !options.to) throw new UsageError('say where to: --to <url>, or --serve-sse --port <n>');
  if (options.serveSse && options.to) throw new UsageError('--to and --serve-sse are exclusive');
  if (options.to && !/^https?:\/\/[^/]/i.test(options.to)) throw new UsageError(`invalid --to "${options.to}": expected an http(s) URL`);
  const speed = options.speed === undefined ? undefined : parseSpeed(options.speed);
  const filter = parseFilters(options.filter ?? []);
  // Every flag is checked before the files are read.
  const sending = options.to ? await sendPlan(ctx) : undefined;
  // Validate every line before anything is sent (or served).
  const { records, invalid, kept } = await validateCaptures(files, Boolean(options.skipInvalid), KEEP_BYTES);
  if (invalid) output.warn(`skipped ${invalid} invalid line${invalid === 1 ? '' : 's'} (--skip-invalid)`);
  output.debug(`${records} records in ${files.length} file${files.length === 1 ? '' : 's'}`);
  const selected = (at: RecordAt): boolean => filter(at.record) && (options.includeRejected || !wasRejected(at.record));
  const stream = (): AsyncIterable<RecordAt> => (kept ? fromArray(kept) : readCaptures(files, options.skipInvalid ? () => {} : undefined));
  if (!sending) return serveSse(ctx, stream(), selected, speed ?? 1);
  return sendToTarget(ctx, stream(), selected, { ...sending, speed });
}

interface SendPlan {
  resign: ResignOptions | undefined;
  concurrency: number;
  retries: number;
  timeoutMs: number;
  ratePerSec: number | undefined;
  speed?: number;
}

async function sendPlan(ctx: CommandContext<ReplayOptions>): Promise<SendPlan> {
  const { options } = ctx;
  return {
    resign: await resignOptions(ctx),
    concurrency: parseInteger(options.concurrency, '--concurrency', 1),
    retries: parseInteger(options.retries, '--retries'),
    timeoutMs: parseDuration(options.timeout, '--timeout'),
    ratePerSec: options.rate === undefined ? undefined : parseRate(options.rate),
  };
}

async function sendToTarget(ctx: CommandContext<ReplayOptions>, records: AsyncIterable<RecordAt>, selected: (at: RecordAt) => boolean, send: SendPlan): Promise<number> {
  const { options, output } = ctx;
  const { resign, concurrency, retries, timeoutMs, ratePerSec, speed } = send;
  let warnedStale = false;
  async function* plan(): AsyncGenerator<Planned> {
    for await (const at of records) {
      if (!selected(at)) continue;
      const delivery = toDelivery(at.record, resign);
      if (!warnedStale && delivery.signatureAgeSec !== undefined && delivery.signatureAgeSec > 300) {
        warnedStale = true;
        output.warn(`original signatures are ${Math.round(delivery.signatureAgeSec / 60)} min old: receivers that check timestamps will reject them; re-sign with --scheme and --secret`);
      }
      yield { at, delivery };
    }
  }
  if (options.dryRun) return dryRun(output, plan(), options.to!);

  const dispatcher = createDispatcher({ connectTimeoutMs: Math.min(timeoutMs, 10_000), headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs });
  const spinner = await output.spinner('Replaying');
  spinner.start();
  const results: SendResult[] = [];
  try {
    await sendAll(plan(), { to: options.to!, concurrency, ratePerSec, speed, retries, timeoutMs, dispatcher }, (result) => {
      results.push(result);
      spinner.text = `Replaying: ${results.length} sent`;
      printResult(output, result);
    });
  } finally {
    spinner.stop();
    await dispatcher.close().catch(() => {});
  }
  return summarize(output, results);
}

async function resignOptions(ctx: CommandContext<ReplayOptions>): Promise<ResignOptions | undefined> {
  const { options } = ctx;
  if (options.scheme === undefined) {
    if (options.secret?.length) throw new UsageError('--secret needs --scheme to re-sign with');
    return undefined;
  }
  const schemes = signingSchemes();
  if (!schemes.includes(options.scheme)) throw new UsageError(`--scheme ${options.scheme} cannot sign: use ${schemes.join(', ')}`);
  const secrets = (await ctx.settings({ webhookSecret: options.secret })).webhookSecrets;
  if (!secrets.length) throw new UsageError(`--scheme ${options.scheme} needs --secret (or ISSUER_EVENTS_WEBHOOK_SECRET)`);
  const secret = secrets[0]!;
  if (options.scheme === 'standard' || options.scheme === 'svix') {
    const { standardKey } = await import('../webhooks/standard.js');
    if (!standardKey(secret)) throw new UsageError('the secret is not a Standard Webhooks secret (whsec_ + base64)');
  }
  return { scheme: options.scheme, secret, newIds: Boolean(options.newIds) };
}

async function dryRun(output: Output, planned: AsyncIterable<Planned>, to: string): Promise<number> {
  let n = 0;
  for await (const { at, delivery } of planned) {
    n++;
    const line = { index: n, file: at.file, line: at.line, to, id: delivery.id, type: at.record.type ?? null, bytes: delivery.body.length, headers: Object.keys(delivery.headers) };
    if (output.json) output.record({ ...line, dryRun: true });
    else output.data(`${n}  POST ${to}  ${escapeLine(delivery.id ?? '-')}  ${escapeLine(at.record.type ?? '-')}  ${delivery.body.length} bytes  [${line.headers.join(', ')}]`);
  }
  output.info(`dry run: ${n} deliver${n === 1 ? 'y' : 'ies'} would be sent to ${to}`);
  return ExitCode.OK;
}

function printResult(output: Output, result: SendResult): void {
  if (output.json) {
    output.record(result);
    return;
  }
  const c = output.color;
  const verdict = result.ok ? c.green(`✓ ${result.status}`) : c.red(`✗ ${result.status ?? 'ERR'}`);
  const retried = result.attempts > 1 ? c.yellow(` (${result.attempts} attempts)`) : '';
  output.data(`${verdict}  ${Math.round(result.ms)}ms  ${escapeLine(result.type ?? '-')}  ${c.dim(escapeLine(result.id ?? '-'))}${retried}${result.ok ? '' : `  ${escapeLine(result.error ?? '')}`}`);
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

function summarize(output: Output, results: SendResult[]): number {
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

async function serveSse(ctx: CommandContext<ReplayOptions>, records: AsyncIterable<RecordAt>, selected: (at: RecordAt) => boolean, speed: number): Promise<number> {
  const { options, output } = ctx;
  const server = new CapturedSseServer(speed);
  for await (const at of records) if (selected(at)) server.add(at);
  const sessions = server.sessionIds();
  if (sessions.length === 0) throw new UsageError('no walt.id session events in the capture (after filters) to serve');
  const port = parseInteger(options.port, '--port');
  try {
    await server.start(options.host, port);
  } catch (error) {
    throw bindError(options.host, port, error);
  }
  for (const s of sessions) {
    const url = `${server.url}/issuer2/sessions/${encodeURIComponent(s.id)}/events`;
    if (output.json) output.record({ sessionId: s.id, events: s.events, url });
    else output.data(`${escapeLine(s.id)}  ${s.events} events  ${url}`);
  }
  output.flush();
  output.notice(`Ready! Serving ${sessions.length} session${sessions.length === 1 ? '' : 's'} at ${server.url}/issuer2/sessions/{id}/events (speed ${speed}x)`);
  const code = await untilSignal();
  await server.close();
  return code;
}
