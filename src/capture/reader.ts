import { createReadStream, type ReadStream } from 'node:fs';
import { UsageError } from '../errors.js';
import { isPlainObject } from '../shared/json.js';
import type { CaptureRecord } from './record.js';

export interface RecordAt {
  record: CaptureRecord;
  file: string;
  /** 1-based line number. */
  line: number;
  /** Length of the line's text. */
  bytes: number;
}

export class CaptureFormatError extends UsageError {}

/** Why a line is not a capture record, or undefined when it is one. */
export function checkRecord(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'not a JSON object';
  if (value.v !== 1) return `unsupported record version ${JSON.stringify(value.v)}`;
  if (value.source !== 'sse' && value.source !== 'webhook' && value.source !== 'session') return `unknown source ${JSON.stringify(value.source)}`;
  if (value.source === 'webhook' && value.request !== undefined && !isPlainObject(value.request)) return 'request is not an object';
  return undefined;
}

/**
 * Streams the records of capture files line by line (constant memory for any file size).
 * Blank lines are ignored. A bad line throws CaptureFormatError naming file and line, unless
 * `onInvalid` is given, which is then told and the line skipped.
 */
export async function* readCaptures(files: readonly string[], onInvalid?: (file: string, line: number, why: string) => void): AsyncGenerator<RecordAt> {
  for (const file of files) {
    const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
    const opened = new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    try {
      await opened;
    } catch (error) {
      throw new UsageError(`cannot read capture file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    let n = 0;
    for await (const text of lines(stream)) {
      n++;
      if (text.trim() === '') continue;
      let value: unknown;
      let why: string | undefined;
      try {
        value = JSON.parse(text);
        why = checkRecord(value);
      } catch {
        why = 'invalid JSON';
      }
      if (why) {
        if (!onInvalid) {
          stream.destroy();
          throw new CaptureFormatError(`${file}:${n}: ${why}`);
        }
        onInvalid(file, n, why);
        continue;
      }
      yield { record: value as CaptureRecord, file, line: n, bytes: text.length };
    }
  }
}

/**
 * The lines of a stream (LF or CRLF), split by hand: readline's async iterator is several
 * times slower when the consumer awaits network I/O between lines.
 */
async function* lines(stream: ReadStream): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
      start = end + 1;
    }
    rest = text.slice(start);
  }
  if (rest !== '') yield rest;
}

export interface Validated {
  records: number;
  invalid: number;
  /** The records themselves when the files were small enough to keep (see `keepBytes`). */
  kept?: RecordAt[];
}

/**
 * Reads every file once to check it, before anything is sent. Records are kept in memory only
 * while their text stays under `keepBytes`, so small captures are not parsed twice and huge ones
 * are streamed again in constant memory.
 */
export async function validateCaptures(files: readonly string[], skipInvalid: boolean, keepBytes = 0): Promise<Validated> {
  let records = 0;
  let invalid = 0;
  let kept: RecordAt[] | undefined = keepBytes > 0 ? [] : undefined;
  let size = 0;
  for await (const at of readCaptures(files, skipInvalid ? () => invalid++ : undefined)) {
    records++;
    if (!kept) continue;
    size += at.bytes;
    if (size > keepBytes) kept = undefined;
    else kept.push(at);
  }
  return { records, invalid, kept };
}
