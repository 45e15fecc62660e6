import { randomBytes } from 'node:crypto';
import type { CommandContext } from './context.js';
import { sseRecord, type CaptureRecord } from '../capture/record.js';
import { ExitCode, UsageError } from '../errors.js';
import { eventFromSse } from '../issuer/catalog.js';
import { createOffer } from '../issuer/offers.js';
import { sessionEventsUrl } from '../issuer/endpoints.js';
import { exitCodeForOutcome } from '../issuer/status.js';
import { escapeLine } from '../output/escape.js';
import type { Output } from '../output/output.js';
import { loadProfiles } from '../sandbox/profiles.js';
import { SandboxIssuer } from '../sandbox/server.js';
import type { EventNames, Outcome } from '../sandbox/wallet.js';
import { SessionStream } from '../sse/session-stream.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { WebhookReceiver } from '../webhooks/receiver.js';
import { isPlainObject } from '../util/json.js';

export interface DemoOptions {
  profile: string;
  outcome: string;
  eventNames: string;
  timeout: string;
}

interface Seen {
  record: CaptureRecord;
  at: number;
}

export async function run(ctx: CommandContext<DemoOptions>): Promise<number> {
  const { options, output } = ctx;
  const outcome = options.outcome as Outcome;
  if (!['success', 'fail', 'wrong-tx-code'].includes(outcome)) throw new UsageError(`--outcome must be success, fail or wrong-tx-code, not "${options.outcome}"`);
  const eventNames = options.eventNames as EventNames;
  if (eventNames !== 'current' && eventNames !== 'legacy') throw new UsageError(`--event-names must be current or legacy, not "${options.eventNames}"`);
  const profiles = loadProfiles(undefined);
  if (!profiles.has(options.profile)) throw new UsageError(`unknown --profile "${options.profile}": use ${[...profiles.keys()].join(', ')}`);
  const timeoutMs = parseDuration(options.timeout, '--timeout');

  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const webhooks: Seen[] = [];
  const sse: Seen[] = [];
  const sandbox = new SandboxIssuer({ host: '127.0.0.1', port: 0, profiles, eventNames, webhookSigning: { scheme: 'standard', secret }, stepDelayMs: 25, log: (line) => output.debug(line) });
  const receiver = new WebhookReceiver({
    host: '127.0.0.1',
    port: 0,
    path: '/hooks',
    scheme: 'standard',
    secrets: [secret],
    toleranceSec: 300,
    allowUnsigned: false,
    maxBody: 1024 * 1024,
    onResult: (result) => webhooks.push({ record: result.record, at: performance.now() }),
  });
  await Promise.all([sandbox.start(), receiver.start()]);
  output.info(`Sandbox issuer   ${sandbox.url}  (${eventNames} event names)`);
  output.info(`Webhook listener ${receiver.url}  (Standard Webhooks, signed by the sandbox)`);
  let stream: SessionStream | undefined;
  const timer = setTimeout(() => stream?.close(), timeoutMs);
  try {
    const connection = { baseUrl: sandbox.url };
    const offer = await createOffer(connection, { profileId: options.profile, webhookUrl: receiver.url, txCode: outcome === 'wrong-tx-code' ? true : undefined });
    const started = performance.now();
    output.info(`Offer            ${offer.offerId}  ${escapeLine(offer.credentialOffer)}`);
    const url = sessionEventsUrl(connection, offer.offerId);
    let connected!: () => void;
    const isConnected = new Promise<void>((resolve) => (connected = resolve));
    let finalStatus: string | undefined;
    let terminalOutcome: 'success' | 'failure' | undefined;
    stream = new SessionStream(
      { url, retries: 3, connectTimeoutMs: 5000 },
      {
        onConnect: () => connected(),
        onMessage(message) {
          const event = eventFromSse(message, offer.offerId);
          if (!event) return false;
          sse.push({ record: sseRecord(event, { url }), at: performance.now() });
          if (!event.terminal) return false;
          finalStatus = event.status;
          terminalOutcome = event.outcome;
          return true;
        },
      },
    );
    const following = stream.run();
    await isConnected;
    output.info(`Wallet           claiming with outcome ${outcome}…`);
    await sandbox.claim(offer.offerId, outcome);
    await following;
    if (!terminalOutcome) {
      output.error(`no terminal status on the SSE stream within ${formatDuration(timeoutMs)}`);
      return ExitCode.TIMEOUT;
    }
    const records = [...sse, ...webhooks].sort((a, b) => a.at - b.at);
    if (output.json) for (const { record } of records) output.record(record);
    else printTimelines(output, sse, webhooks, started);
    const verified = webhooks.filter((w) => w.record.verified).length;
    printSummary(output, { sse: sse.length, webhooks: webhooks.length, verified, latency: pairLatency(sse, webhooks), finalStatus: finalStatus ?? '?' });
    if (verified !== webhooks.length || webhooks.length === 0) return ExitCode.INVALID_SIGNATURE;
    return exitCodeForOutcome(terminalOutcome);
  } finally {
    clearTimeout(timer);
    stream?.close();
    await Promise.all([sandbox.close(), receiver.close()]);
  }
}

const requestIdOf = (record: CaptureRecord): string | undefined =>
  isPlainObject(record.data) && typeof record.data.requestId === 'string' ? record.data.requestId : undefined;

/** Webhook arrival minus SSE arrival for each event both channels carried, in ms. */
function pairLatency(sse: Seen[], webhooks: Seen[]): number[] {
  const sseAt = new Map(sse.map((s) => [requestIdOf(s.record), s.at]));
  return webhooks.flatMap((w) => {
    const at = sseAt.get(requestIdOf(w.record));
    return at === undefined ? [] : [w.at - at];
  });
}

function printTimelines(output: Output, sse: Seen[], webhooks: Seen[], started: number): void {
  const c = output.color;
  const rows = new Map<string, { at: number; sse?: Seen; hook?: Seen }>();
  for (const s of sse) rows.set(requestIdOf(s.record) ?? `sse${s.at}`, { at: s.at, sse: s });
  for (const w of webhooks) {
    const key = requestIdOf(w.record) ?? `hook${w.at}`;
    const row = rows.get(key);
    if (row) row.hook = w;
    else rows.set(key, { at: w.at, hook: w });
  }
  const width = 52;
  const cell = (seen: Seen | undefined, mark = ''): string => {
    if (!seen) return ''.padEnd(width);
    const text = `+${String(Math.round(seen.at - started)).padStart(4)}ms ${seen.record.type ?? '?'}${seen.record.status && seen.record.terminal ? ` ${seen.record.status}` : ''}${mark}`;
    return escapeLine(text).padEnd(width);
  };
  output.data(c.bold(`${'SSE (tail)'.padEnd(width)}  Webhook (listen)`));
  for (const row of [...rows.values()].sort((a, b) => a.at - b.at)) {
    const mark = row.hook ? (row.hook.record.verified ? ' ✓' : ' ✗') : '';
    output.data(`${cell(row.sse)}  ${row.hook ? (row.hook.record.verified ? c.green(cell(row.hook, mark).trimEnd()) : c.red(cell(row.hook, mark).trimEnd())) : ''}`.trimEnd());
  }
}

function printSummary(output: Output, s: { sse: number; webhooks: number; verified: number; latency: number[]; finalStatus: string }): void {
  const sorted = [...s.latency].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0;
  const lines = [
    `SSE events       ${s.sse}`,
    `Webhooks         ${s.webhooks} (${s.verified} signatures verified, Standard Webhooks)`,
    `Channel gap      webhook ${median >= 0 ? 'after' : 'before'} SSE by ${Math.abs(median).toFixed(1)}ms (median of ${sorted.length})`,
    `Final status     ${s.finalStatus}`,
  ];
  if (!output.json) output.data('');
  // In --json mode the summary is not data: it goes to stderr.
  for (const line of lines) (output.json ? output.info.bind(output) : output.data.bind(output))(line);
}
