import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { isPlainObject } from '../shared/json.js';
import type { Delivery } from '../webhooks/types.js';
import { requestBodyBytes, type CaptureRecord } from './record.js';

/**
 * The delivery of one capture record: `file:line`, or the file's first webhook record. Used by
 * `verify --record` to explain a captured delivery offline.
 */
export function deliveryFromCapture(spec: string): { delivery: Delivery; record: CaptureRecord } {
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
  let record: CaptureRecord;
  if (wanted !== undefined) {
    if (wanted < 1 || wanted > lines.length || lines[wanted - 1] === '') throw new UsageError(`${file} has no line ${wanted}`);
    record = pick(wanted);
  } else {
    const n = lines.findIndex((l) => l.includes('"source":"webhook"'));
    if (n === -1) throw new UsageError(`${file} holds no webhook record`);
    record = pick(n + 1);
  }
  if (!isPlainObject(record) || !isPlainObject(record.request)) throw new UsageError(`${file}:${wanted ?? 'first webhook'} has no captured request`);
  return { delivery: { headers: { ...record.request.headers }, body: requestBodyBytes(record.request) }, record };
}
