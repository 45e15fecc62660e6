import { DEFAULT_CONNECT_TIMEOUT_MS } from '../shared/defaults.js';
import { readCaptures, validateCaptures, type RecordAt } from '../capture/reader.js';
import { UsageError } from '../errors.js';
import { createDispatcher, type ExchangeTrace } from '../http/client.js';
import { untilStopped } from '../shared/shutdown.js';
import { toDelivery, type ResignOptions } from './delivery.js';
import { wasRejected, type RecordFilter } from './filter.js';
import { sendAll, type Planned, type SendResult } from './sender.js';
import { CapturedSseServer } from './sse-server.js';

/** Which records of which files: the selection both replay modes share. */
export interface ReplaySource {
  files: string[];
  filter: RecordFilter;
  includeRejected: boolean;
  skipInvalid: boolean;
}

export interface SendPlan extends ReplaySource {
  to: string;
  resign?: ResignOptions;
  concurrency: number;
  retries: number;
  timeoutMs: number;
  ratePerSec?: number;
  speed?: number;
  dryRun: boolean;
  /** `-v`: sees each delivery attempt. */
  trace?: ExchangeTrace;
}

export interface ServePlan extends ReplaySource {
  host: string;
  port: number;
  speed: number;
}

export interface ReplayReporter {
  loaded(info: { records: number; invalid: number; files: number }): void;
  staleSignatures(ageSec: number): void;
  planned?(item: Planned, index: number): void;
  started?(): Promise<void> | void;
  result(result: SendResult, sent: number): void;
  finished(results: SendResult[], info: { dryRun: boolean; planned: number }): number;
  serving(info: { url: string; sessions: { id: string; events: number }[]; speed: number }): void;
}

/** Captures up to this size are parsed once and kept; larger ones are streamed twice. */
const KEEP_BYTES = 32 * 1024 * 1024;

/**
 * Validates every line before anything is sent or served, then gives the selected records: an
 * array when the files were small enough to keep (iterated without a promise per record), else a
 * second streaming pass.
 */
async function selectedRecords(source: ReplaySource, reporter: ReplayReporter): Promise<RecordAt[] | AsyncIterable<RecordAt>> {
  const { records, invalid, kept } = await validateCaptures(source.files, source.skipInvalid, KEEP_BYTES);
  reporter.loaded({ records, invalid, files: source.files.length });
  const wanted = (at: RecordAt): boolean => source.filter(at.record) && (source.includeRejected || !wasRejected(at.record));
  if (kept) return kept.filter(wanted);
  const all = readCaptures(source.files, source.skipInvalid ? () => {} : undefined);
  return (async function* () {
    for await (const at of all) if (wanted(at)) yield at;
  })();
}

/** `replay --to`: sends the selected records; resolves with the exit code the reporter decides. */
export async function replayToTarget(plan: SendPlan, reporter: ReplayReporter): Promise<number> {
  const records = await selectedRecords(plan, reporter);
  let warnedStale = false;
  const toPlanned = (at: RecordAt): Planned => {
    const delivery = toDelivery(at.record, plan.resign);
    if (!warnedStale && delivery.signatureAgeSec !== undefined && delivery.signatureAgeSec > 300) {
      warnedStale = true;
      reporter.staleSignatures(delivery.signatureAgeSec);
    }
    return { at, delivery };
  };
  // Deliveries are made as they are sent (a re-signed one is signed just before it goes out).
  const planned = Array.isArray(records)
    ? (function* () {
        for (const at of records) yield toPlanned(at);
      })()
    : (async function* () {
        for await (const at of records) yield toPlanned(at);
      })();
  if (plan.dryRun) {
    let n = 0;
    for await (const item of planned) reporter.planned?.(item, ++n);
    return reporter.finished([], { dryRun: true, planned: n });
  }
  const { timeoutMs } = plan;
  const dispatcher = createDispatcher({ connectTimeoutMs: Math.min(timeoutMs, DEFAULT_CONNECT_TIMEOUT_MS), headersTimeoutMs: timeoutMs, bodyTimeoutMs: timeoutMs });
  const results: SendResult[] = [];
  await reporter.started?.();
  try {
    await sendAll(planned, { ...plan, dispatcher }, (result) => {
      results.push(result);
      reporter.result(result, results.length);
    });
  } finally {
    await dispatcher.close().catch(() => {});
  }
  return reporter.finished(results, { dryRun: false, planned: results.length });
}

/** `replay --serve-sse`: serves the selected walt.id sessions until stopped. */
export async function serveCaptured(plan: ServePlan, reporter: ReplayReporter): Promise<number> {
  const server = new CapturedSseServer(plan.speed);
  for await (const at of await selectedRecords(plan, reporter)) server.add(at);
  const sessions = server.sessionIds();
  if (sessions.length === 0) throw new UsageError('no walt.id session events in the capture (after filters) to serve');
  await server.start(plan.host, plan.port);
  reporter.serving({ url: server.url, sessions, speed: plan.speed });
  const code = await untilStopped();
  await server.close();
  return code;
}
