import { checkTolerance, fromBase64, hmacSha256, parseUnixSeconds, safeEqual, splitSignatureList } from './crypto.js';
import { invalid, noMatch, valid, type Delivery, type SignatureScheme, type SignOptions, type Verdict, type VerifyContext } from './types.js';
import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import { nonEmptyString } from '../shared/http-headers.js';

/**
 * Standard Webhooks key: base64 after an optional `whsec_` prefix; undefined when not valid base64.
 * Decoded per delivery: a cache of decoded keys saved 0.2–0.6 µs (bench/caches.js) of the ~100 µs
 * of CPU a delivery costs `listen` (BENCHMARKS.md), under 1 %, so there is none.
 */
export function standardKey(secret: string): Buffer | undefined {
  return fromBase64(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
}

const NOT_A_KEY = 'not a Standard Webhooks secret (whsec_ + base64)';

type Prefix = 'webhook' | 'svix';

// Header names spelled out once: a name built per request (`${prefix}-id`) is a new string that
// every lookup has to hash and intern again.
const NAMES = {
  webhook: { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
  svix: { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
} as const;

/** The v1 signatures of a signature header, decoded; the usual single `v1,<base64>` skips the general split. */
function v1Signatures(header: string): Buffer[] {
  // One v1 signature of 32 bytes is `v1,` and 44 base64 characters.
  if (header.length === 47 && header.startsWith('v1,')) {
    const sig = fromBase64(header.slice(3), 32);
    return sig ? [sig] : [];
  }
  // Only v1 is defined; unknown versions (e.g. v1a) are skipped, and empty or short values never match.
  return splitSignatureList(header)
    .filter((part) => part.startsWith('v1,'))
    .map((part) => fromBase64(part.slice(3), 32))
    .filter((sig): sig is Buffer => sig !== undefined);
}

/** A header value as its bytes read as UTF-8 (Node hands them over as Latin-1 characters); ASCII is itself. */
function latin1AsUtf8(value: string): string {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return Buffer.from(value, 'latin1').toString('utf8');
  return value;
}

/**
 * Standard Webhooks (`webhook-*`) and Svix (`svix-*`): HMAC-SHA256 over `${id}.${timestamp}.${body}`,
 * key = base64-decoded secret, signatures `v1,<base64>` separated by spaces.
 */
function makeScheme(name: 'standard' | 'svix', prefixes: ('webhook' | 'svix')[]): SignatureScheme {
  const prefixOf = (headers: Delivery['headers']): Prefix => {
    for (const p of prefixes) if (headers[NAMES[p].signature] !== undefined) return p;
    return prefixes[0]!;
  };
  return {
    name,
    headers: prefixes.flatMap((p) => [`${p}-id`, `${p}-timestamp`, `${p}-signature`]),
    // The id is part of the signed content `${id}.${timestamp}.${body}`: it cannot be swapped.
    signedId: (delivery) => {
      const id = nonEmptyString(delivery.headers[NAMES[prefixOf(delivery.headers)].id]);
      return id === null ? null : latin1AsUtf8(id);
    },
    signedAt: (headers) => parseUnixSeconds(headers[NAMES[prefixOf(headers)].timestamp]),
    detect: (headers) => prefixes.some((p) => headers[NAMES[p].signature] !== undefined),
    verify(delivery: Delivery, context: VerifyContext): Verdict {
      const prefix = prefixOf(delivery.headers);
      const names = NAMES[prefix];
      const { headers } = delivery;
      const id = headers[names.id];
      const timestamp = headers[names.timestamp];
      const signature = headers[names.signature];
      if (signature === undefined) return invalid(name, 'missing_signature', `missing ${prefix}-signature header`);
      if (id === undefined || id === '') return invalid(name, 'missing_signature', `missing ${prefix}-id header`);
      if (timestamp === undefined) return invalid(name, 'missing_signature', `missing ${prefix}-timestamp header`);
      const seconds = parseUnixSeconds(timestamp);
      if (seconds === undefined) return invalid(name, 'bad_timestamp', `${prefix}-timestamp is not Unix seconds: "${timestamp.slice(0, 40)}"`);
      const skew = checkTolerance(name, seconds, context.nowMs, context.toleranceSec);
      if (typeof skew !== 'number') return skew;
      const candidates = v1Signatures(signature);
      if (candidates.length === 0) return invalid(name, 'malformed_signature', `no v1 signature of 32 bytes in ${prefix}-signature`, skew);
      let usable = 0;
      for (const [i, secret] of context.secrets.entries()) {
        const key = standardKey(secret);
        if (!key) continue; // not a Standard Webhooks secret: skipped for this scheme, not an error
        usable++;
        // Header values arrive as Latin-1 characters of the raw bytes: the UTF-8 id is those bytes.
        const expected = hmacSha256(key, Buffer.from(`${id}.${timestamp}.`, 'latin1'), delivery.body);
        if (candidates.some((sig) => safeEqual(expected, sig))) return valid(name, i + 1, skew);
      }
      if (usable === 0) return invalid(name, 'no_usable_secret', 'no configured secret is a Standard Webhooks secret (whsec_ + base64)', skew);
      return noMatch(name, usable, skew);
    },
    sign(body: Buffer, secret: string, options: SignOptions): Record<string, string> {
      const key = standardKey(secret);
      if (!key) throw new UsageError(NOT_A_KEY);
      const id = options.id ?? `msg_${randomBytes(12).toString('hex')}`;
      const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
      const signature = hmacSha256(key, `${id}.${timestamp}.`, body).toString('base64');
      const p = prefixes[0]!;
      return { [`${p}-id`]: id, [`${p}-timestamp`]: timestamp, [`${p}-signature`]: `v1,${signature}` };
    },
    secretProblem: (secret) => (standardKey(secret) ? undefined : NOT_A_KEY),
  };
}

export const standardScheme = makeScheme('standard', ['webhook', 'svix']);
export const svixScheme = makeScheme('svix', ['svix']);
