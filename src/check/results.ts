import type { CheckResult, CheckStatus } from '../report/checks.js';
import type { ModuleName } from './modules.js';

/** A result with where it sorts in the report: module, profile, scenario, then the order it was made in. */
export interface RankedResult {
  result: CheckResult;
  rank: readonly [module: number, profile: number, scenario: number, seq: number];
}

/** What a check found: its status and why (null detail only for a plain pass). */
export interface Finding {
  status: CheckStatus;
  detail: string | null;
}

export const pass = (detail: string | null = null): Finding => ({ status: 'pass', detail });
export const fail = (detail: string): Finding => ({ status: 'fail', detail });
export const warn = (detail: string): Finding => ({ status: 'warn', detail });
export const skip = (detail: string): Finding => ({ status: 'skip', detail });

/** The worst of several findings (fail > warn > pass); their details joined. */
export function worst(findings: readonly Finding[], passDetail: string | null = null): Finding {
  const failed = findings.filter((f) => f.status === 'fail');
  if (failed.length) return fail(failed.map((f) => f.detail).join('; '));
  const warned = findings.filter((f) => f.status === 'warn');
  if (warned.length) return warn(warned.map((f) => f.detail).join('; '));
  return pass(passDetail);
}

/** Where one scenario's checks go: every record carries its module, profile and spec section. */
export class Recorder {
  private seq = 0;

  constructor(
    private readonly sink: RankedResult[],
    readonly profile: string | null,
    private readonly profileRank: number,
    private readonly scenarioRank: number,
    private readonly moduleRank: (module: ModuleName) => number,
  ) {}

  add(module: ModuleName, check: string, finding: Finding, spec: string | null, ms = 0): void {
    this.sink.push({
      result: { module, check, profile: this.profile, status: finding.status, ms: Math.round(ms), detail: finding.detail, spec },
      rank: [this.moduleRank(module), this.profileRank, this.scenarioRank, this.seq++],
    });
  }
}
