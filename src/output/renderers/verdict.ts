import type { Verdict } from '../../webhooks/types.js';
import { escapeLine } from '../../shared/escape.js';
import type { Output } from '../output.js';
import { maskSecret } from '../../shared/redact.js';

interface VerdictInfo {
  secrets: readonly string[];
  nowMs: number;
  toleranceSec: number;
  /** Which clock judged the timestamp: --at, the record's receivedAt, or now. */
  clock: 'at' | 'receivedAt' | 'now';
  /** Whether the signature itself matches, whatever the time (null: no signature to check). */
  signatureMatches: boolean | null;
}

const CLOCKS = { at: '--at', receivedAt: "the record's receivedAt", now: 'now' } as const;

/** `verify`'s answer: one object with --json (`kind: "verdict"`), else the verdict, the skew and the clock. */
export function renderVerdict(output: Output, verdict: Verdict, info: VerdictInfo): void {
  const ok = verdict.accepted && verdict.code === 'valid';
  const at = new Date(info.nowMs).toISOString();
  if (output.json) {
    output.record({
      kind: 'verdict',
      valid: ok,
      scheme: verdict.scheme,
      code: verdict.code,
      reason: verdict.reason,
      secret: verdict.secretIndex ?? null,
      skewSec: verdict.skewSec ?? null,
      at,
      clock: info.clock,
      signatureMatches: info.signatureMatches,
    });
    return;
  }
  const c = output.color;
  const secret = verdict.secretIndex ? ` (${maskSecret(info.secrets[verdict.secretIndex - 1]!)})` : '';
  output.data(`${ok ? c.green('valid') : c.red('invalid')}: ${verdict.scheme}: ${escapeLine(verdict.reason)}${secret}`);
  if (verdict.skewSec !== undefined) {
    output.data(`timestamp skew: ${verdict.skewSec > 0 ? '+' : ''}${verdict.skewSec} s at ${at} (${CLOCKS[info.clock]}; tolerance ±${info.toleranceSec} s)`);
  }
  // A time problem must not hide whether the signature is right (a replayed capture, a skewed clock).
  if (!ok && info.signatureMatches !== null && verdict.code !== 'no_match') {
    output.data(
      info.signatureMatches ? 'signature: matches apart from the time (only the timestamp is outside the tolerance)' : 'signature: does not match either, whatever the time',
    );
  }
}
