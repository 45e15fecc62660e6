import { appendFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { CliError, ExitCode } from '../errors.js';
import type { RunReport } from './checks.js';
import { junitXml } from './junit.js';
import { summaryMarkdown } from './summary.js';

/** Where a run's report goes. */
export interface ReportTargets {
  /** `--junit <file>`: written whole at the end of the run. */
  junit?: string;
  /** `GITHUB_STEP_SUMMARY`: the job summary is appended to it (each step of a job has its own file). */
  stepSummary?: string;
}

/**
 * Runs `work`, then writes its report whatever the outcome (a failed run is when a report is
 * wanted most), then rethrows the run's error, if any. A JUnit file that cannot be written fails
 * a run that otherwise passed (exit 1): CI must not pass without the report it asked for; a job
 * summary that cannot be written is only warned about.
 */
export async function withReports(
  targets: ReportTargets,
  build: (exitCode: number, error?: unknown) => RunReport,
  work: () => Promise<number>,
  warn: (message: string) => void,
): Promise<number> {
  let code: number;
  let failure: { error: unknown } | undefined;
  try {
    code = await work();
  } catch (error) {
    failure = { error };
    code = error instanceof CliError ? error.exitCode : ExitCode.FAILURE;
  }
  const report = build(code, failure?.error);
  const problems = writeReports(report, targets);
  if (problems.summary) warn(problems.summary);
  if (problems.junit) {
    if (failure || code !== 0) warn(problems.junit);
    else throw new CliError(problems.junit, 'E_REPORT', ExitCode.FAILURE);
  }
  if (failure) throw failure.error;
  return code;
}

/** Writes each target; returns, per target, why it could not be written. */
export function writeReports(report: RunReport, targets: ReportTargets): { junit?: string; summary?: string } {
  const problems: { junit?: string; summary?: string } = {};
  if (targets.junit) {
    // Written beside and renamed: a CI step reading the file never sees half a document.
    const partial = `${targets.junit}.${process.pid}.partial`;
    try {
      writeFileSync(partial, junitXml(report));
      renameSync(partial, targets.junit);
    } catch (error) {
      rmSync(partial, { force: true });
      problems.junit = `cannot write the JUnit report ${targets.junit}: ${(error as Error).message}`;
    }
  }
  if (targets.stepSummary) {
    try {
      appendFileSync(targets.stepSummary, `${summaryMarkdown(report)}\n`);
    } catch (error) {
      problems.summary = `cannot append the job summary to GITHUB_STEP_SUMMARY (${targets.stepSummary}): ${(error as Error).message}`;
    }
  }
  return problems;
}
