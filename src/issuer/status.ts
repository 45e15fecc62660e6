import { ExitCode } from '../errors.js';

// docs/providers.md: "terminal = a status other than ACTIVE, or isClosed: true".
// COMPLETED is the Enterprise docs' word for success; FAILED appears in the contract.
const SUCCESS = new Set(['SUCCESSFUL', 'COMPLETED', 'SUCCESS', 'SUCCEEDED', 'ISSUED']);
// Statuses that mean "still running": ACTIVE is walt.id's; the others guard against
// providers that report progress, so that they are not mistaken for an ending.
const RUNNING = new Set(['ACTIVE', 'PENDING', 'IN_PROGRESS', 'CREATED', 'STARTED', 'OPEN']);

export type SessionOutcome = 'success' | 'failure';

interface StatusVerdict {
  terminal: boolean;
  outcome?: SessionOutcome;
}

export function judgeSessionStatus(status: string | undefined, isClosed?: boolean): StatusVerdict {
  const normalized = status?.toUpperCase();
  if (normalized && SUCCESS.has(normalized)) return { terminal: true, outcome: 'success' };
  if (normalized && !RUNNING.has(normalized)) return { terminal: true, outcome: 'failure' };
  // A closed session without a success status did not succeed.
  if (isClosed === true) return { terminal: true, outcome: 'failure' };
  return { terminal: false };
}

/** SUCCESSFUL/COMPLETED → 0; every other terminal status → 3 (docs/exit-codes.md). */
export function exitCodeForOutcome(outcome: SessionOutcome): number {
  return outcome === 'success' ? ExitCode.OK : ExitCode.UNSUCCESSFUL;
}
