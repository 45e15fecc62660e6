import { UsageError } from '../errors.js';
import { readBytesArgument } from './input.js';

export type JsonObject = { [key: string]: unknown };

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a value that is inline JSON, `@file` or `-`/`@-` (stdin) holding JSON; it must be an object. */
export function readJsonArgument(value: string, what: string): JsonObject {
  const fromFile = value.startsWith('@') && value !== '@-';
  const origin = fromFile ? `${what} file ${value.slice(1)}` : value === '-' || value === '@-' ? `${what} (stdin)` : what;
  const text = readBytesArgument(value, what).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${origin} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(parsed)) throw new UsageError(`${origin} must be a JSON object`);
  return parsed;
}

/** Deep merge where objects merge key by key and anything else replaces (a JSON merge patch without deletes). */
export function deepMerge(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/** Where and why a text is not JSON: 1-based line and column, and the reason in words. */
interface JsonSyntaxError {
  line: number;
  column: number;
  reason: string;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_$][\w$]*/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/**
 * Finds the first syntax error of a JSON text (RFC 8259), or undefined when it is JSON. V8's own
 * messages differ between Node versions and often carry no position ("Unexpected token 'o', …"),
 * so the text is scanned again here, without recursion, to say where and what.
 */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const found = firstJsonError(text);
  if (!found) return undefined;
  const before = text.slice(0, found.at);
  const line = before.split('\n').length;
  return { line, column: found.at - (before.lastIndexOf('\n') + 1) + 1, reason: found.reason };
}

function firstJsonError(text: string): { at: number; reason: string } | undefined {
  let i = 0;
  const containers: ('{' | '[')[] = [];
  const fail = (reason: string, at = i) => ({ at, reason });
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const found = (): string => {
    const ch = text[i]!;
    if (ch === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) return 'a comment';
    return ch === "'" ? `"'"` : `'${ch}'`;
  };
  const string = () => {
    const start = i++;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '"') {
        i++;
        return undefined;
      }
      if (ch === '\\') {
        const escaped = text[i + 1];
        if (escaped === 'u' ? !/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)) : !ESCAPES.has(escaped ?? '')) return fail('invalid escape in a string');
        i += escaped === 'u' ? 6 : 2;
      } else if (ch.charCodeAt(0) < 0x20) {
        return fail(ch === '\n' ? "a string runs past the end of the line (a closing '\"' is missing)" : 'a control character in a string (write it as an escape, e.g. \\t)');
      } else i++;
    }
    return fail('unexpected end of the file inside a string', start);
  };
  const propertyName = () => {
    skipSpace();
    if (text[i] !== '"') return fail(i >= text.length ? "unexpected end of the file: '}' is missing" : `expected a property name in double quotes, found ${found()}`);
    const bad = string();
    if (bad) return bad;
    skipSpace();
    if (text[i] !== ':') return fail(i >= text.length ? "unexpected end of the file: ':' is missing" : `expected ':' after a property name, found ${found()}`);
    i++;
    return undefined;
  };
  if (text.charCodeAt(0) === 0xfeff) return fail('the file starts with a byte order mark (BOM); save it as UTF-8 without one');
  for (;;) {
    // A value is expected here.
    skipSpace();
    if (i >= text.length) return fail('unexpected end of the file: a value is missing');
    const ch = text[i]!;
    if (ch === '{' || ch === '[') {
      i++;
      skipSpace();
      if (text[i] === (ch === '{' ? '}' : ']')) i++;
      else {
        containers.push(ch);
        const bad = ch === '{' ? propertyName() : undefined;
        if (bad) return bad;
        continue;
      }
    } else if (ch === '"') {
      const bad = string();
      if (bad) return bad;
    } else if (ch === '-' || (ch >= '0' && ch <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) return fail('invalid number');
      i = NUMBER.lastIndex;
    } else {
      WORD.lastIndex = i;
      const word = WORD.exec(text)?.[0];
      if (word === 'true' || word === 'false' || word === 'null') i += word.length;
      else if (word) return fail(`unexpected word "${word}" (JSON strings are in double quotes)`);
      else if (found() === 'a comment') return fail('comments are not allowed in JSON');
      else return fail(`unexpected ${found()}${ch === "'" ? ' (JSON strings are in double quotes)' : ''}`);
    }
    // After a value: close what ends here, until a comma asks for the next value.
    for (;;) {
      skipSpace();
      const open = containers.at(-1);
      if (!open) {
        if (i >= text.length) return undefined;
        return fail(found() === 'a comment' ? 'comments are not allowed in JSON' : `unexpected ${found()} after the end of the JSON value`);
      }
      const close = open === '{' ? '}' : ']';
      if (i >= text.length) return fail(`unexpected end of the file: '${close}' is missing`);
      if (text[i] === close) {
        i++;
        containers.pop();
        continue;
      }
      if (text[i] !== ',') {
        if (found() === 'a comment') return fail('comments are not allowed in JSON');
        return fail(`expected ',' or '${close}' after ${open === '{' ? 'a property value' : 'an array element'}, found ${found()}`);
      }
      const comma = i++;
      skipSpace();
      if (text[i] === close) return fail(`a trailing comma before '${close}' (JSON allows none)`, comma);
      if (open === '{') {
        const bad = propertyName();
        if (bad) return bad;
      }
      break;
    }
  }
}
