import { randomInt } from 'node:crypto';
import { isPlainObject } from '../../shared/json.js';
import type { Flow } from '../flow.js';
import type { ModuleName } from '../modules.js';
import { skip } from '../results.js';
import { judgeRefusal, recordRefusal, type Scenario, type ScenarioRun, TOKEN_ERRORS } from '../scenario.js';

/**
 * Refusals at the token endpoint, which the conformance suite's issuer plan does not test: a
 * wrong or missing tx code (OID4VCI 1.0 §6.3 names the error for each), and a pre-authorized
 * code used twice (§4.1.1: "short lived and single use"). The error code is a warning when it
 * differs: §6.3 clarifies which RFC 6749 code to use, it adds no MUST.
 */

/** A code certainly not the issuer's: every character shifted (or any of the right shape when the value is unknown). */
export function wrongTxCode(value: string | undefined, shape: { length?: unknown; input_mode?: unknown } | undefined): string {
  if (value !== undefined) return [...value].map((c) => (/\d/.test(c) ? String((Number(c) + 1) % 10) : c === 'x' ? 'y' : 'x')).join('');
  const length = typeof shape?.length === 'number' && shape.length > 0 && shape.length < 64 ? shape.length : 6;
  const alphabet = shape?.input_mode === 'text' ? 'abcdefghijkmnpqrstuvwxyz' : '0123456789';
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

/** The offer must ask for a tx code; an issuer that made one without is skipped with the reason. */
async function offerWithTxCode(run: ScenarioRun, module: ModuleName): Promise<Flow | undefined> {
  const { flow } = run;
  await flow.resolve();
  if (flow.offer?.txCode) return flow;
  run.record(module, 'applies', skip('the offer has no tx_code: the issuer (or the offer command) made it without one'), null);
  return undefined;
}

const invalidTxCode: Scenario = {
  id: 'invalid-tx-code',
  label: 'invalid tx code',
  modules: ['issuer-events-fail-invalid-tx-code'],
  txCode: true,
  async run(run) {
    const module = 'issuer-events-fail-invalid-tx-code';
    const flow = await offerWithTxCode(run, module);
    if (!flow) return;
    const shape = isPlainObject(flow.offer?.txCode) ? flow.offer.txCode : undefined;
    const response = await flow.token(wrongTxCode(flow.handle.txCodeValue, shape));
    // The code is the session's: walt.id reports the refusal on it (and keeps it ACTIVE).
    flow.happened({ step: 'token', at: response.startedAt, ok: response.status === 200, correlated: true, label: 'token with a wrong tx_code' });
    recordRefusal(run, module, judgeRefusal(response, 'invalid_grant', TOKEN_ERRORS, 'warn'), 'OID4VCI 1.0 §6.3', response);
  },
};

const missingTxCode: Scenario = {
  id: 'missing-tx-code',
  label: 'missing tx code',
  modules: ['issuer-events-fail-missing-tx-code'],
  txCode: true,
  async run(run) {
    const module = 'issuer-events-fail-missing-tx-code';
    const flow = await offerWithTxCode(run, module);
    if (!flow) return;
    const response = await flow.token(undefined);
    flow.happened({ step: 'token', at: response.startedAt, ok: response.status === 200, correlated: true, label: 'token without the tx_code' });
    recordRefusal(run, module, judgeRefusal(response, 'invalid_request', TOKEN_ERRORS, 'warn'), 'OID4VCI 1.0 §6.3', response);
  },
};

const reusedPreAuthorizedCode: Scenario = {
  id: 'reused-code',
  label: 'reused pre-authorized code',
  modules: ['issuer-events-fail-reused-pre-authorized-code'],
  async run(run) {
    const module = 'issuer-events-fail-reused-pre-authorized-code';
    const { flow } = run;
    await flow.resolve();
    await flow.requireToken();
    const response = await flow.token(flow.handle.txCodeValue);
    // walt.id consumes the code's record: a used code is as unknown as a wrong one, an issuer-level refusal.
    flow.happened({ step: 'token', at: response.startedAt, ok: response.status === 200, correlated: response.status === 200, label: 'second token for the same code' });
    recordRefusal(run, module, judgeRefusal(response, 'invalid_grant', TOKEN_ERRORS, 'warn'), 'OID4VCI 1.0 §4.1.1; RFC 6749 §5.2', response);
  },
};

export const TOKEN_REFUSALS: readonly Scenario[] = [invalidTxCode, missingTxCode, reusedPreAuthorizedCode];
