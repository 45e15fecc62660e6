import { UsageError } from '../errors.js';
import { isPlainObject } from '../shared/json.js';
import { captureLines, openCapture, withoutBom } from './reader.js';
import { requestBodyBytes, type CaptureRecord } from './record.js';

/** The wanted line's text: read line by line, stopping there, so a capture of any size can be used. */
async function findLine(file: string, wanted: number | undefined): Promise<{ text: string; line: number } | undefined> {
  const stream = await openCapture(file);
  let n = 0;
  try {
    for await (const text of captureLines(stream, file)) {
      n++;
      if (wanted === undefined ? text.includes('"source":"webhook"') : n === wanted) return text === '' ? undefined : { text, line: n };
    }
    return undefined;
  } finally {
    stream.destroy();
  }
}

/** A captured request as it was received: its headers and the exact bytes of its body (a webhooks `Delivery`). */
interface CapturedDelivery {
  headers: Record<string, string | undefined>;
  body: Buffer;
}

/**
 * The delivery of one capture record: `file:line`, or the file's first webhook record. Used by
 * `verify --record` to explain a captured delivery offline.
 */
export async function deliveryFromCapture(spec: string): Promise<{ delivery: CapturedDelivery; record: CaptureRecord }> {
  const match = /^(.*?)(?::(\d+))?$/.exec(spec)!;
  const file = match[1]!;
  const wanted = match[2] === undefined ? undefined : Number(match[2]);
  if (wanted !== undefined && wanted < 1) throw new UsageError(`${file} has no line ${wanted}`);
  const found = await findLine(file, wanted);
  if (!found) throw new UsageError(wanted === undefined ? `${file} holds no webhook record` : `${file} has no line ${wanted}`);
  let record: CaptureRecord;
  try {
    record = JSON.parse(withoutBom(found.text)) as CaptureRecord;
  } catch {
    throw new UsageError(`${file}:${found.line} is not a capture record (invalid JSON)`);
  }
  if (!isPlainObject(record) || !isPlainObject(record.request)) throw new UsageError(`${file}:${wanted ?? 'first webhook'} has no captured request`);
  return { delivery: { headers: { ...record.request.headers }, body: requestBodyBytes(record.request) }, record };
}
