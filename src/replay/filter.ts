import { UsageError } from '../errors.js';
import type { CaptureRecord } from '../capture/record.js';

const KEYS = ['type', 'session', 'provider', 'source', 'id', 'status'] as const;
type Key = (typeof KEYS)[number];

/** `--filter key=value`, repeatable: values of one key are alternatives, different keys must all match. A trailing `*` matches a prefix. */
export type RecordFilter = (record: CaptureRecord) => boolean;

export function parseFilters(specs: readonly string[]): RecordFilter {
  const wanted = new Map<Key, string[]>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const key = spec.slice(0, eq) as Key;
    if (eq <= 0 || !KEYS.includes(key)) throw new UsageError(`invalid --filter "${spec}": use ${KEYS.map((k) => `${k}=…`).join(', ')}`);
    wanted.set(key, [...(wanted.get(key) ?? []), spec.slice(eq + 1)]);
  }
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
