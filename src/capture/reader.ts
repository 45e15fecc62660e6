import { createReadStream, type ReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { deeperThan, MAX_JSON_DEPTH } from '../shared/json-safety.js';
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

class CaptureFormatError extends UsageError {}

/** Why a line is not a capture record, or undefined when it is one. */
function checkRecord(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'not a JSON object';
  if (value.v !== 1) return `unsupported record version ${JSON.stringify(value.v)}`;
  if (value.source !== 'sse' && value.source !== 'webhook' && value.source !== 'session') return `unknown source ${JSON.stringify(value.source)}`;
  // Every field replay uses is type-checked before anything is sent, so no record fails mid-run.
  for (const field of ['type', 'sessionId', 'status', 'id'] as const) {
    if (value[field] !== undefined && value[field] !== null && typeof value[field] !== 'string') return `${field} is not a string`;
  }
  if (typeof value.receivedAt !== 'string') return 'receivedAt is not a string';
  // Webhook records are replayed from their raw body; SSE records are serialised again, so their
  // data must be shallow enough for JSON.stringify.
  if (value.source === 'webhook') return checkRequest(value.request);
  if (deeperThan(value.data)) return `data nested deeper than ${MAX_JSON_DEPTH} levels`;
  if (!('data' in value)) return 'an SSE record without data';
  return undefined;
}

function checkRequest(request: unknown): string | undefined {
  if (request === undefined) return undefined;
  if (!isPlainObject(request)) return 'request is not an object';
  if (!isPlainObject(request.headers)) return 'request.headers is not an object';
  if (Object.values(request.headers).some((v) => typeof v !== 'string')) return 'a request header is not a string';
  if (request.body !== undefined && typeof request.body !== 'string') return 'request.body is not a string';
  if (request.bodyBase64 !== undefined && typeof request.bodyBase64 !== 'string') return 'request.bodyBase64 is not a string';
  if (typeof request.method !== 'string' || typeof request.path !== 'string') return 'request.method or request.path is not a string';
  return undefined;
}

/** A capture line longer than this is refused (a record is at most a body plus its metadata). */
const MAX_LINE_BYTES = 256 * 1024 * 1024;

/** A line without the UTF-8 byte order mark some editors put first (also mid-file, after `cat a b`). */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** One line of a capture file: the record, or why it is not one. */
export function parseRecordLine(text: string): { record: CaptureRecord } | { why: string } {
  let value: unknown;
  try {
    value = JSON.parse(withoutBom(text));
  } catch {
    return { why: 'invalid JSON' };
  }
  const why = checkRecord(value);
  return why ? { why } : { record: value as CaptureRecord };
}

/** Opens a capture file for reading; one that cannot be opened is a usage error naming it. */
export async function openCapture(file: string): Promise<ReadStream> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch (error) {
    throw unreadable(file, error);
  }
  return stream;
}

/** A capture file that cannot be read, as the usage error that names it. */
function unreadable(file: string, error: unknown): UsageError {
  return new UsageError(`cannot read capture file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
}

/**
 * Streams the records of capture files line by line (constant memory for any file size).
 * Blank lines are ignored. A bad line throws CaptureFormatError naming file and line, unless
 * `onInvalid` is given, which is then told and the line skipped.
 */
export async function* readCaptures(files: readonly string[], onInvalid?: (file: string, line: number, why: string) => void): AsyncGenerator<RecordAt> {
  for (const file of files) {
    const stream = await openCapture(file);
    let n = 0;
    let records = 0;
    for await (const text of captureLines(stream, file)) {
      n++;
      if (text.trim() === '') continue;
      const parsed = parseRecordLine(text);
      if ('why' in parsed) {
        if (!onInvalid) {
          stream.destroy();
          const document = records === 0 && parsed.why === 'invalid JSON' ? await jsonDocumentHint(file) : undefined;
          throw new CaptureFormatError(`${file}:${n}: ${document ?? parsed.why}`);
        }
        onInvalid(file, n, parsed.why);
        continue;
      }
      records++;
      yield { record: parsed.record, file, line: n, bytes: text.length };
    }
  }
}

/** A pretty-printed JSON file is read whole to be recognised; larger ones are not worth it. */
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

/**
 * When a file whose first line is not JSON is one JSON document over several lines (a capture
 * pretty-printed, or records collected in an array), how to make it NDJSON; else undefined.
 */
async function jsonDocumentHint(file: string): Promise<string | undefined> {
  let value: unknown;
  try {
    if ((await stat(file)).size > MAX_DOCUMENT_BYTES) return undefined;
    value = JSON.parse(withoutBom(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
  // jq's > truncates its output first: it must not be the file being read.
  const stem = file.replace(/\.(?:nd)?json$/i, '');
  const out = `${stem}.ndjson` === file ? `${stem}-lines.ndjson` : `${stem}.ndjson`;
  return Array.isArray(value)
    ? `a JSON array, not NDJSON (one record per line): convert it with jq -c '.[]' ${file} > ${out}`
    : `a JSON document over several lines, not NDJSON (one record per line): convert it with jq -c . ${file} > ${out}`;
}

/**
 * The lines of a stream (LF or CRLF), split by hand: readline's async iterator is several
 * times slower when the consumer awaits network I/O between lines.
 */
export async function* captureLines(stream: ReadStream, file: string): AsyncGenerator<string> {
  // Pieces of a line that spans chunks are collected and joined once: linear in the line's size.
  let pieces: string[] = [];
  let pending = 0;
  let n = 0;
  for await (const chunk of readable(stream, file)) {
    const text = chunk as string;
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      let line = text.slice(start, end);
      if (pieces.length > 0) {
        line = pieces.join('') + line;
        pieces = [];
        pending = 0;
      }
      n++;
      yield line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
      start = end + 1;
    }
    if (start < text.length) {
      pieces.push(text.slice(start));
      pending += text.length - start;
      if (pending > MAX_LINE_BYTES) {
        stream.destroy();
        throw new CaptureFormatError(`${file}:${n + 1}: line longer than ${MAX_LINE_BYTES / 1024 / 1024} MB`);
      }
    }
  }
  if (pieces.length > 0) yield pieces.join('');
}

/**
 * The chunks of a capture file; a read that fails is a usage error naming the file. A directory
 * opens without error and fails only at the first read (EISDIR).
 */
async function* readable(stream: ReadStream, file: string): AsyncGenerator<string | Buffer> {
  try {
    for await (const chunk of stream) yield chunk as string;
  } catch (error) {
    throw unreadable(file, error);
  }
}

interface Validated {
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
