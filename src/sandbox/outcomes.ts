/** What the sandbox's wallet does when it claims: succeed, send an invalid proof, or a wrong tx code. */
export const OUTCOMES = ['success', 'fail', 'wrong-tx-code'] as const;
export type ClaimOutcome = (typeof OUTCOMES)[number];

export function isOutcome(text: string): text is ClaimOutcome {
  return (OUTCOMES as readonly string[]).includes(text);
}
