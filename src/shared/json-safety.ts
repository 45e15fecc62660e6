/**
 * JSON from strangers, handled without recursion they can drive: nesting depth is measured
 * iteratively, private key material is found and redacted iteratively, and serialised JSON is
 * made safe for terminals (C1 and bidirectional controls escaped).
 */

/** Payloads nested deeper than this are kept as text: serialising them would overflow the stack. */
export const MAX_JSON_DEPTH = 128;

/** True when `value` nests deeper than `limit` (arrays and objects), measured without recursion. */
export function deeperThan(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * True when `value`, written out as JSON, would take more than `limit` characters: what YAML
 * aliases (or shared references) expand to, counted once per appearance, and a cycle counts
 * forever. Stops as soon as the limit is passed, so an alias bomb costs at most `limit` steps.
 */
export function expandedSizeOver(value: unknown, limit: number): boolean {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') size += current.length + 2;
    else if (current === null || typeof current !== 'object') size += String(current).length;
    else if (Array.isArray(current)) {
      size += 2 + current.length;
      for (const child of current) stack.push(child);
    } else {
      for (const [key, child] of Object.entries(current)) {
        size += key.length + 4;
        stack.push(child);
      }
      size += 2;
    }
    if (size > limit) return true;
  }
  return false;
}

/**
 * About the bytes V8 holds for a value parsed from JSON, for bounds on what is kept: a string
 * its header and one byte a character (two beyond Latin-1), an object its header and a slot and
 * key per member, an array a slot per element. Several times the JSON size for many small members.
 */
export function heldBytes(value: unknown): number {
  let bytes = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') bytes += stringBytes(current);
    else if (typeof current === 'number') bytes += 16;
    else if (current === null || typeof current !== 'object') bytes += 8;
    else if (Array.isArray(current)) {
      bytes += 16 + 8 * current.length;
      for (const child of current) stack.push(child);
    } else {
      bytes += 32;
      // A member: its dictionary entry with its share of the hash table, its key.
      for (const [key, child] of Object.entries(current)) {
        bytes += 48 + stringBytes(key);
        stack.push(child);
      }
    }
  }
  return bytes;
}

/** A string as V8 keeps it: a header, then one byte a character when all fit in Latin-1, else two. */
export function stringBytes(text: string): number {
  return 16 + (/[^\u0000-\u00ff]/.test(text) ? 2 * text.length : text.length);
}

// JWK members that are private key material (RFC 7518 §6): EC/OKP `d`, RSA `p`, `q`, `dp`,
// `dq`, `qi`, `oth`, and `k` of symmetric (oct) keys.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];
const REDACTED_VALUE = '[redacted]';

/**
 * Replaces private JWK members (in any object with a `kty`) by "[redacted]", in place; returns
 * the JSON paths redacted (e.g. `session.issuerKey.jwk.d`), empty when there were none.
 */
export function redactPrivateKeys(value: unknown): string[] {
  const paths: string[] = [];
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const object = current as Record<string, unknown>;
    if (!Array.isArray(current) && typeof object.kty === 'string') {
      const members = object.kty === 'oct' ? [...PRIVATE_MEMBERS, 'k'] : PRIVATE_MEMBERS;
      for (const member of members) {
        if (object[member] !== undefined && object[member] !== REDACTED_VALUE) {
          object[member] = REDACTED_VALUE;
          paths.push(path ? `${path}.${member}` : member);
        }
      }
    }
    for (const [key, child] of Object.entries(object)) {
      if (child !== null && typeof child === 'object') stack.push([child, path ? `${path}.${key}` : key]);
    }
  }
  return paths.sort();
}

// C1 controls (U+0080–U+009F, e.g. U+009B, a one-byte CSI) and bidirectional overrides/isolates
// pass through JSON.stringify unescaped; escaped, the line is still the same JSON.
const UNSAFE_IN_JSON = /[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A serialised JSON line with terminal-driving characters written as `\uXXXX` escapes. */
export function terminalSafeJson(line: string): string {
  // Pure ASCII (the usual case) cannot hold them: one native length check instead of a regex.
  if (Buffer.byteLength(line, 'utf8') === line.length) return line;
  UNSAFE_IN_JSON.lastIndex = 0;
  if (!UNSAFE_IN_JSON.test(line)) return line;
  return line.replace(UNSAFE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
