import { isPlainObject, type JsonObject } from './json.js';

/** `a.b.0.c=value` as given to `--set`: the path's segments and the value (JSON when it parses, else text). */
export interface Assignment {
  path: string[];
  value: unknown;
}

// Segments that would reach an object's prototype instead of a field of the payload.
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** Parses `path=value`; returns a reason string when it is not one. */
export function parseAssignment(text: string): Assignment | string {
  const eq = text.indexOf('=');
  if (eq <= 0) return `expected <path>=<value>, e.g. data.status=failed`;
  const path = text.slice(0, eq).split('.');
  if (path.some((segment) => segment === '')) return `empty segment in path "${text.slice(0, eq)}"`;
  const bad = path.find((segment) => FORBIDDEN.has(segment));
  if (bad) return `"${bad}" cannot be set`;
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  try {
    // `--set a=1`, `--set a=true`, `--set a=null`, `--set a='{"x":1}'` set JSON values; anything else is text.
    value = JSON.parse(raw);
  } catch {
    // Plain text.
  }
  return { path, value };
}

/** Sets the value at the path, creating objects (or array slots for numeric segments) on the way. */
export function setPath(target: JsonObject, assignment: Assignment): void {
  let node: Record<string, unknown> | unknown[] = target;
  const { path } = assignment;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    let next = (node as Record<string, unknown>)[key];
    if (!isPlainObject(next) && !Array.isArray(next)) {
      next = /^\d+$/.test(path[i + 1]!) ? [] : {};
      (node as Record<string, unknown>)[key] = next;
    }
    node = next as Record<string, unknown> | unknown[];
  }
  (node as Record<string, unknown>)[path.at(-1)!] = assignment.value;
}
