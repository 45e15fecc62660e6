import { holderKey, type HolderKey } from '../wallet/keys.js';
import type { Discovery } from './discovery.js';
import type { Flow } from './flow.js';
import { describeAnswer, type HttpResult, jsonObject } from './http.js';
import type { ModuleName } from './modules.js';
import { type Finding, fail, pass, skip, warn } from './results.js';

/** What a scenario gets: its flow, where its checks go, and the run's settings. */
export interface ScenarioRun {
  flow: Flow;
  /** Records a check of one of the scenario's modules (dropped when the module is not selected). */
  record(module: ModuleName, check: string, finding: Finding, spec: string | null, ms?: number): void;
  selected(module: ModuleName): boolean;
  allowUnverified: boolean;
}

/**
 * One scenario: a fresh offer (walt.id closes a session after one credential, or after a
 * refusal), the wallet's steps, and the checks of the modules it reports. The events of its
 * session are checked by the runner, from what the scenario's requests did.
 */
export interface Scenario {
  id: string;
  /** Names the scenario in the events module's checks. */
  label: string;
  /** The modules it reports; the first is where a failure to get started is recorded. */
  modules: readonly [ModuleName, ...ModuleName[]];
  /** The offer asks for a tx code. */
  txCode?: boolean;
  /** A reason not to run at all, from the issuer-wide metadata (no offer is made then). */
  skipUnless?(discovery: Discovery): string | undefined;
  run(run: ScenarioRun): Promise<void>;
}

export const newKey = (): Promise<HolderKey> => holderKey();

/** Error codes of a Credential Error Response (OID4VCI 1.0 §8.3.1.2). */
export const CREDENTIAL_ERRORS = [
  'invalid_credential_request',
  'unknown_credential_configuration',
  'unknown_credential_identifier',
  'invalid_proof',
  'invalid_nonce',
  'invalid_encryption_parameters',
  'credential_request_denied',
];

/** Error codes of a token error response (RFC 6749 §5.2, OID4VCI 1.0 §6.3). */
export const TOKEN_ERRORS = ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'invalid_dpop_proof'];

interface RefusalJudgement {
  refused: Finding;
  error: Finding;
  keys: Finding;
}

/**
 * How the conformance suite judges an error response (`verifyCredentialIssuerCredentialErrorResponse`,
 * `VCIValidateCredentialErrorResponse`): HTTP 400 (another status with an OAuth error body is a
 * warning: the issuer refused, but said it wrongly), the expected `error` code, and no keys
 * beyond `error`, `error_description`, `error_uri` (a warning).
 */
export function judgeRefusal(response: HttpResult, expected: string, known: readonly string[], wrongCode: 'fail' | 'warn'): RefusalJudgement {
  const body = jsonObject(response);
  const error = typeof body?.error === 'string' ? body.error : undefined;
  const accepted = response.status >= 200 && response.status < 300;
  const answer = describeAnswer(response);
  if (accepted) {
    const why = skip('no error response: the request was accepted');
    return { refused: fail(`accepted: ${answer}`), error: why, keys: why };
  }
  const refused =
    response.status === 400
      ? pass(answer)
      : error
        ? warn(`${answer}: refused with an error response, but HTTP ${response.status} instead of 400`)
        : response.status >= 500
          ? fail(`${answer}: a server error without an error response, not a refusal`)
          : warn(`${answer}: HTTP ${response.status} without an error response instead of 400`);
  let errorFinding: Finding;
  if (error === undefined) errorFinding = fail(`no error code in the response (${answer})`);
  else if (error === expected) errorFinding = pass(`error ${expected}`);
  else {
    const what = `error ${error}, expected ${expected}${known.includes(error) ? '' : ` (${error} is not a code the specification defines)`}`;
    errorFinding = wrongCode === 'warn' ? warn(what) : fail(what);
  }
  const extra = body ? Object.keys(body).filter((k) => !['error', 'error_description', 'error_uri'].includes(k)) : [];
  const keys = extra.length ? warn(`unexpected keys in the error response: ${extra.join(', ')}`) : pass(body ? 'error, error_description, error_uri only' : 'no JSON body');
  return { refused, error: errorFinding, keys };
}

/** Records a refusal's three checks in one module. */
export function recordRefusal(run: ScenarioRun, module: ModuleName, judgement: RefusalJudgement, spec: string, response: HttpResult): void {
  run.record(module, 'request refused', judgement.refused, spec, response.ms);
  run.record(module, 'error code', judgement.error, spec);
  run.record(module, 'error response keys', judgement.keys, spec);
}
