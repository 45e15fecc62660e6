/**
 * The result model every report is written from: one record per check, as `check --json` prints
 * them (CONTRACT.md, `check`), so that `check` and `offer create --claim` share the JUnit and the
 * job-summary writers.
 */

/** `warn` passes (CI stays green) but is shown; `skip` is a check that could not be run, with the reason. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** One check: the fields of a `{"kind":"check"}` record, every key always present. */
export interface CheckResult {
  /** The module the check belongs to (a JUnit testsuite), e.g. `oid4vci-1_0-issuer-happy-flow`. */
  module: string;
  /** What was checked (a JUnit testcase). */
  check: string;
  /** The credential profile the check ran for, or null for issuer-wide checks. */
  profile: string | null;
  status: CheckStatus;
  ms: number;
  /** Why it failed, was skipped or warned; what was seen when it passed. */
  detail: string | null;
  /** The spec section the check enforces. */
  spec: string | null;
}

/** A whole run: what the report writers take. */
export interface RunReport {
  /** What ran, e.g. `offer create --claim`: the summary's heading and the JUnit root's name. */
  title: string;
  /** The issuer tested (base URL or Enterprise target), already free of credentials. */
  subject?: string;
  results: CheckResult[];
  /** Wall time of the whole run. */
  ms: number;
  /** The run's exit code (CONTRACT.md, "Exit codes"). */
  exitCode: number;
  /** When the run started (ISO 8601). */
  startedAt: string;
}

interface Tally {
  passed: number;
  failed: number;
  warned: number;
  skipped: number;
}

export function tally(results: readonly CheckResult[]): Tally {
  const t: Tally = { passed: 0, failed: 0, warned: 0, skipped: 0 };
  for (const r of results) {
    if (r.status === 'pass') t.passed++;
    else if (r.status === 'fail') t.failed++;
    else if (r.status === 'warn') t.warned++;
    else t.skipped++;
  }
  return t;
}

/** `N passed, N failed, N warned, N skipped (T s)`: the last line of `check`'s output, and the summary's. */
export function tallyLine(results: readonly CheckResult[], ms: number): string {
  const t = tally(results);
  return `${t.passed} passed, ${t.failed} failed, ${t.warned} warned, ${t.skipped} skipped (${(ms / 1000).toFixed(1)} s)`;
}

/** Results grouped by module, in the order modules first appear. */
export function byModule(results: readonly CheckResult[]): Map<string, CheckResult[]> {
  const groups = new Map<string, CheckResult[]>();
  for (const r of results) {
    const group = groups.get(r.module);
    if (group) group.push(r);
    else groups.set(r.module, [r]);
  }
  return groups;
}
