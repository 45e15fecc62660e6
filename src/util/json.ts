import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

export type JsonObject = { [key: string]: unknown };

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a flag value that is inline JSON or `@file` holding JSON; it must be an object. */
export function readJsonArgument(value: string, flag: string): JsonObject {
  let text = value;
  let origin = `${flag}`;
  if (value.startsWith('@')) {
    const file = value.slice(1);
    origin = `${flag} file ${file}`;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${origin}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
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
