import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SchemeName, Verdict } from './types.js';
import { invalid } from './types.js';

export function hmacSha256(key: Buffer | string, ...parts: (Buffer | string)[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/**
 * Constant-time comparison that never throws: timingSafeEqual throws on unequal lengths,
 * and a junk signature must give 401, never a crash (docs/providers.md, "Verification pitfalls").
 */
export function safeEqual(expected: Buffer, received: Buffer): boolean {
  if (expected.length === 0 || received.length !== expected.length) return false;
  return timingSafeEqual(expected, received);
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Hex digest to bytes, or undefined when it is not exactly `bytes` bytes of hex. */
export function fromHex(text: string, bytes = 32): Buffer | undefined {
  if (text.length !== bytes * 2 || !HEX.test(text)) return undefined;
  return Buffer.from(text, 'hex');
}

/** Base64 to bytes, or undefined when it is not strict base64 of exactly `bytes` bytes. */
export function fromBase64(text: string, bytes?: number): Buffer | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  if (bytes !== undefined && decoded.length !== bytes) return undefined;
  return decoded;
}

/** Unix seconds, digits only (no sign, no fraction, no spaces). */
export function parseUnixSeconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,12}$/.test(text)) return undefined;
  return Number(text);
}

/** Checks |timestamp − now| ≤ tolerance; returns a failing verdict or the skew. */
export function checkTolerance(scheme: SchemeName, timestampSec: number, nowMs: number, toleranceSec: number): Verdict | number {
  const skew = timestampSec - Math.floor(nowMs / 1000);
  if (skew < -toleranceSec) return invalid(scheme, 'timestamp_too_old', `timestamp too old by ${-skew - toleranceSec} s (${-skew} s old, tolerance ${toleranceSec} s)`, skew);
  if (skew > toleranceSec)
    return invalid(scheme, 'timestamp_too_new', `timestamp too far in the future by ${skew - toleranceSec} s (${skew} s ahead, tolerance ${toleranceSec} s)`, skew);
  return skew;
}

/** Signature lists: split on whitespace; Node joins repeated headers with ", " so trailing commas go too. */
export function splitSignatureList(value: string): string[] {
  return value
    .split(/\s+/)
    .map((part) => part.replace(/,+$/, ''))
    .filter((part) => part !== '');
}
