import type { CaptureRecord } from '../capture/record.js';

/** The record fields a filter can match. */
export const FILTER_KEYS = ['type', 'session', 'provider', 'source', 'id', 'status'] as const;
type Key = (typeof FILTER_KEYS)[number];

/** Selects capture records. */
export type RecordFilter = (record: CaptureRecord) => boolean;

/**
 * The patterns each key must match: values of one key are alternatives, different keys must all
 * match. A trailing `*` matches a prefix. No keys: every record.
 */
export function recordFilter(wanted: ReadonlyMap<Key, readonly string[]>): RecordFilter {
  const fieldOf = (record: CaptureRecord, key: Key): string | null => {
    if (key === 'session') return record.sessionId;
    return (record[key] as string | null | undefined) ?? null;
  };
  const matches = (value: string | null, pattern: string): boolean => value !== null && (pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern);
  return (record) => [...wanted].every(([key, patterns]) => patterns.some((p) => matches(fieldOf(record, key), p)));
}

/** A webhook record that was refused when captured (401, 400, 413…); SSE records never are. */
export function wasRejected(record: CaptureRecord): boolean {
  if (record.source !== 'webhook') return false;
  if (record.acceptance !== undefined) return record.acceptance === 'rejected';
  const status = record.responseStatus;
  return typeof status === 'number' && (status < 200 || status > 299);
}
