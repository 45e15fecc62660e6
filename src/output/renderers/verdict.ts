import type { Verdict } from '../../webhooks/types.js';
import { escapeLine } from '../escape.js';
import type { Output } from '../output.js';
import { maskSecret } from '../redact.js';

/** `verify`'s answer: one object with --json, else the verdict and the timestamp skew. */
export function renderVerdict(output: Output, verdict: Verdict, info: { secrets: readonly string[]; nowMs: number; toleranceSec: number }): void {
  const ok = verdict.ok && verdict.code === 'valid';
  const at = new Date(info.nowMs).toISOString();
  if (output.json) {
    output.record({ valid: ok, scheme: verdict.scheme, code: verdict.code, reason: verdict.reason, secret: verdict.secretIndex ?? null, skewSec: verdict.skewSec ?? null, at });
    return;
  }
  const c = output.color;
  const secret = verdict.secretIndex ? ` (${maskSecret(info.secrets[verdict.secretIndex - 1]!)})` : '';
  output.data(`${ok ? c.green('valid') : c.red('invalid')}: ${verdict.scheme}: ${escapeLine(verdict.reason)}${secret}`);
  if (verdict.skewSec !== undefined) output.data(`timestamp skew: ${verdict.skewSec > 0 ? '+' : ''}${verdict.skewSec} s at ${at} (tolerance ±${info.toleranceSec} s)`);
}
