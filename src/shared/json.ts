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
