/** The claim steps, in order; errors, the --json output and the reports name them. */
export const CLAIM_STEPS = ['offer', 'issuer-metadata', 'authorization-server-metadata', 'token', 'nonce', 'proof', 'credential', 'decode', 'notification'] as const;
export type ClaimStepName = (typeof CLAIM_STEPS)[number];
