import type { Dispatcher } from 'undici';
import type { CaptureRecord } from '../capture/record.js';
import { httpRequest, MAX_SHOWN_RESPONSE_BYTES } from '../http/client.js';
import { toDelivery, type ResignOptions } from '../replay/delivery.js';
import { isSchemeName, type SchemeName, SCHEMES } from '../webhooks/index.js';
import { standardKey } from '../webhooks/standard.js';

/** How the inspector's replay button re-sends: where to, and with which secrets to re-sign. */
export interface ReplaySettings {
  /** Default target (`--forward-to`); the page may name another. */
  to?: string;
  /** Re-sign with this scheme; default: the scheme that verified the record. */
  scheme?: SchemeName;
  secrets: readonly string[];
  newIds: boolean;
  dispatcher?: Dispatcher;
}

interface ReplayOutcome {
  seq: number;
  status: number | null;
  ok: boolean;
  ms: number;
  resigned: SchemeName | null;
  error?: string;
}

/** Re-signed when a secret usable for the record's scheme is configured; otherwise the exact captured bytes. */
function resignFor(record: CaptureRecord, settings: ReplaySettings): ResignOptions | undefined {
  // A record's scheme is read from a file: a name only once checked.
  const scheme = settings.scheme ?? (record.scheme != null && isSchemeName(record.scheme) ? record.scheme : undefined);
  if (scheme === undefined || !SCHEMES[scheme].sign) return undefined;
  const needsKey = scheme === 'standard' || scheme === 'svix';
  const secret = settings.secrets.find((s) => !needsKey || standardKey(s) !== undefined);
  return secret === undefined ? undefined : { scheme, secret, newIds: settings.newIds };
}

/** Sends the records one after another, in order (a session's events keep their order). */
export async function replayRecords(items: readonly { seq: number; record: CaptureRecord }[], to: string, settings: ReplaySettings): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  for (const { seq, record } of items) {
    const resign = resignFor(record, settings);
    const delivery = toDelivery(record, resign);
    const started = performance.now();
    try {
      const response = await httpRequest(to, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.text ?? delivery.body,
        dispatcher: settings.dispatcher,
        maxResponseBytes: MAX_SHOWN_RESPONSE_BYTES,
      });
      outcomes.push({
        seq,
        status: response.status,
        ok: response.status >= 200 && response.status < 300,
        ms: Math.round(performance.now() - started),
        resigned: resign?.scheme ?? null,
      });
    } catch (error) {
      outcomes.push({ seq, status: null, ok: false, ms: Math.round(performance.now() - started), resigned: resign?.scheme ?? null, error: (error as Error).message });
    }
  }
  return outcomes;
}
