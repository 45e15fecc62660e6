import { readFileSync } from 'node:fs';
import type { CommandContext } from './context.js';
import { requestBodyBytes, type CaptureRecord } from '../capture/record.js';
import { ExitCode, UsageError } from '../errors.js';
import { escapeLine } from '../output/escape.js';
import { maskSecret, REDACTED } from '../output/redact.js';
import { parseDuration } from '../util/duration.js';
import { isPlainObject } from '../util/json.js';
import { verifyDelivery } from '../webhooks/index.js';
import type { Delivery } from '../webhooks/types.js';
import { checkScheme } from './listen.js';

export interface VerifyOptions {
  scheme: string;
  secret?: string[];
  header?: string[];
  body?: string;
  record?: string;
  at?: string;
  tolerance: string;
  signatureHeader?: string;
  signatureEncoding?: string;
  signaturePrefix?: string;
}

export async function run(ctx: CommandContext<VerifyOptions>): Promise<number> {
  const { options, output } = ctx;
  const scheme = checkScheme(options.scheme);
  const secrets = (await ctx.settings({ webhookSecret: options.secret })).webhookSecrets;
  if (secrets.length === 0 && scheme !== 'none') throw new UsageError('missing --secret (or ISSUER_EVENTS_WEBHOOK_SECRET)');
  const delivery = options.record ? fromRecord(options.record) : fromFlags(options);
  for (const header of options.header ?? []) {
    const colon = header.indexOf(':');
    if (colon <= 0) throw new UsageError(`invalid --header "${header}": expected "name: value"`);
    delivery.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  if (scheme === 'bearer' && delivery.headers.authorization === REDACTED) {
    throw new UsageError('the capture redacts the Authorization header, so a bearer token cannot be checked from it; pass --header');
  }
  const encoding = options.signatureEncoding ?? 'hex';
  if (encoding !== 'hex' && encoding !== 'base64') throw new UsageError(`invalid --signature-encoding "${encoding}"`);
  const nowMs = options.at === undefined ? Date.now() : parseAt(options.at);
  const toleranceSec = Math.round(parseDuration(options.tolerance, '--tolerance') / 1000);
  const verdict = verifyDelivery(delivery, scheme, {
    secrets,
    toleranceSec,
    nowMs,
    hmac: options.signatureHeader || options.signaturePrefix || options.signatureEncoding
      ? { header: (options.signatureHeader ?? 'x-signature').toLowerCase(), encoding, prefix: options.signaturePrefix ?? '' }
      : undefined,
  });
  const ok = verdict.ok && verdict.code === 'valid';
  if (output.json) {
    output.record({ valid: ok, scheme: verdict.scheme, code: verdict.code, reason: verdict.reason, secret: verdict.secretIndex ?? null, skewSec: verdict.skewSec ?? null, at: new Date(nowMs).toISOString() });
  } else {
    const c = output.color;
    const secret = verdict.secretIndex ? ` (${maskSecret(secrets[verdict.secretIndex - 1]!)})` : '';
    output.data(`${ok ? c.green('valid') : c.red('invalid')}: ${verdict.scheme}: ${escapeLine(verdict.reason)}${secret}`);
    if (verdict.skewSec !== undefined) output.data(`timestamp skew: ${verdict.skewSec > 0 ? '+' : ''}${verdict.skewSec} s at ${new Date(nowMs).toISOString()} (tolerance ±${toleranceSec} s)`);
  }
  return ok ? ExitCode.OK : ExitCode.INVALID_SIGNATURE;
}

function parseAt(text: string): number {
  if (/^\d{1,12}$/.test(text)) return Number(text) * 1000;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`invalid --at "${text}": Unix seconds or an ISO 8601 time`);
  return ms;
}

function fromFlags(options: VerifyOptions): Delivery {
  if (options.body === undefined) throw new UsageError('give the delivery with --body <text|@file|-> (and --header), or --record <capture-file>[:<line>]');
  let body: Buffer;
  if (options.body === '-') body = readFileSync(0);
  else if (options.body.startsWith('@')) {
    try {
      body = readFileSync(options.body.slice(1));
    } catch (error) {
      throw new UsageError(`cannot read --body file ${options.body.slice(1)}: ${(error as NodeJS.ErrnoException).code}`);
    }
  } else body = Buffer.from(options.body, 'utf8');
  return { headers: {}, body };
}

function fromRecord(spec: string): Delivery {
  const match = /^(.*?)(?::(\d+))?$/.exec(spec)!;
  const file = match[1]!;
  const wanted = match[2] === undefined ? undefined : Number(match[2]);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read capture file ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  const lines = text.split('\n');
  const pick = (n: number): CaptureRecord => {
    try {
      return JSON.parse(lines[n - 1]!) as CaptureRecord;
    } catch {
      throw new UsageError(`${file}:${n} is not a capture record (invalid JSON)`);
    }
  };
  let record: CaptureRecord | undefined;
  if (wanted !== undefined) {
    if (wanted < 1 || wanted > lines.length || lines[wanted - 1] === '') throw new UsageError(`${file} has no line ${wanted}`);
    record = pick(wanted);
  } else {
    const n = lines.findIndex((l) => l.includes('"source":"webhook"'));
    if (n === -1) throw new UsageError(`${file} holds no webhook record`);
    record = pick(n + 1);
  }
  if (!isPlainObject(record) || !isPlainObject(record.request)) throw new UsageError(`${file}:${wanted ?? 'first webhook'} has no captured request`);
  return { headers: { ...record.request.headers }, body: requestBodyBytes(record.request) };
}
