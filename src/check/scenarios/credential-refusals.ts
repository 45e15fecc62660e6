import { randomUUID } from 'node:crypto';
import type { HolderKey } from '../../wallet/keys.js';
import type { Flow } from '../flow.js';
import { describeAnswer, type HttpResult } from '../http.js';
import type { ModuleName } from '../modules.js';
import { fail, pass, skip, warn } from '../results.js';
import { CREDENTIAL_ERRORS, judgeRefusal, newKey, recordRefusal, type Scenario, type ScenarioRun } from '../scenario.js';

/**
 * The conformance suite's negative credential-request modules: the wallet gets a token and a
 * fresh nonce as in the happy flow, then sends one thing wrong, and the issuer must refuse it
 * with the error the specification names (OID4VCI 1.0 §8.3.1).
 */

/** Token and a fresh nonce: what every request here starts from. */
async function ready(flow: Flow): Promise<{ key: HolderKey; nonce?: string }> {
  await flow.resolve();
  await flow.requireToken();
  const { nonce } = await flow.freshNonce();
  return { key: await newKey(), nonce };
}

/** Skipped, as the suite skips it, when the configuration binds nothing to a key. */
function needsProof(run: ScenarioRun, module: ModuleName): boolean {
  if (run.flow.requiresProof) return true;
  run.record(module, 'applies', skip(`${run.flow.configurationId} requires no proof (no cryptographic binding): there is nothing to get wrong`), null);
  return false;
}

function credentialRefusal(id: string, label: string, module: ModuleName, expected: string, spec: string, send: (run: ScenarioRun) => Promise<HttpResult | undefined>): Scenario {
  return {
    id,
    label,
    modules: [module],
    async run(run) {
      const response = await send(run);
      if (!response) return;
      recordRefusal(run, module, judgeRefusal(response, expected, CREDENTIAL_ERRORS, 'fail'), spec, response);
    },
  };
}

/** A base64url signature with one bit flipped: the same key and header, a signature that cannot verify. */
export function corruptSignature(jwt: string): string {
  const [header, payload, signature] = jwt.split('.');
  const bytes = Buffer.from(signature!, 'base64url');
  bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}

const invalidNonce = credentialRefusal('invalid-nonce', 'invalid nonce', 'oid4vci-1_0-issuer-fail-invalid-nonce', 'invalid_nonce', 'OID4VCI 1.0 §7.2, §8.3.1', async (run) => {
  const { flow } = run;
  await flow.resolve();
  if (!needsProof(run, 'oid4vci-1_0-issuer-fail-invalid-nonce')) return undefined;
  await flow.requireToken();
  await flow.freshNonce();
  const key = await newKey();
  // A c_nonce the issuer never issued (VCIInjectRandomCNonce).
  return flow.credential(flow.credentialBody([await flow.proof(key, randomUUID())]), { label: 'credential with an unknown c_nonce' });
});

const invalidProofSignature = credentialRefusal(
  'invalid-proof-signature',
  'invalid proof signature',
  'oid4vci-1_0-issuer-fail-invalid-jwt-proof-signature',
  'invalid_proof',
  'OID4VCI 1.0 §8.3.1, Appendix F.1',
  async (run) => {
    const { flow } = run;
    await flow.resolve();
    if (!needsProof(run, 'oid4vci-1_0-issuer-fail-invalid-jwt-proof-signature')) return undefined;
    const types = flow.configuration?.proof_types_supported;
    if (types && typeof types === 'object' && !('jwt' in types)) {
      run.record('oid4vci-1_0-issuer-fail-invalid-jwt-proof-signature', 'applies', skip('the configuration takes no jwt proofs'), null);
      return undefined;
    }
    await flow.requireToken();
    const { nonce } = await flow.freshNonce();
    const key = await newKey();
    return flow.credential(flow.credentialBody([corruptSignature(await flow.proof(key, nonce))]), { label: 'credential with a forged proof' });
  },
);

const missingProof = credentialRefusal('missing-proof', 'missing proof', 'oid4vci-1_0-issuer-fail-missing-proof', 'invalid_proof', 'OID4VCI 1.0 §8.2, §8.3.1', async (run) => {
  const { flow } = run;
  await flow.resolve();
  if (!needsProof(run, 'oid4vci-1_0-issuer-fail-missing-proof')) return undefined;
  await flow.requireToken();
  await flow.freshNonce();
  return flow.credential(flow.credentialBody(undefined), { label: 'credential without proofs' });
});

const unknownConfiguration = credentialRefusal(
  'unknown-configuration',
  'unknown configuration',
  'oid4vci-1_0-issuer-fail-unknown-credential-configuration',
  'unknown_credential_configuration',
  'OID4VCI 1.0 §8.2, §8.3.1',
  async (run) => {
    const { flow } = run;
    const { key, nonce } = await ready(flow);
    const proofs = flow.requiresProof ? [await flow.proof(key, nonce)] : undefined;
    return flow.credential(flow.credentialBody(proofs, `issuer-events-unknown-${randomUUID()}`), { label: 'credential for an unknown configuration' });
  },
);

/**
 * The first credential request of a fresh session, with a fresh nonce and a good proof, sends
 * the access token in the URL query only: walt.id closes a session after one credential, so a
 * later request would prove nothing. Refused with 400, 401 or 414 (`DisallowAccessTokenInQuery`).
 */
const tokenInQuery: Scenario = {
  id: 'token-in-query',
  label: 'token in query',
  modules: ['oid4vci-1_0-issuer-fail-on-access-token-in-query'],
  async run(run) {
    const module = 'oid4vci-1_0-issuer-fail-on-access-token-in-query';
    const { flow } = run;
    const { key, nonce } = await ready(flow);
    const proofs = flow.requiresProof ? [await flow.proof(key, nonce)] : undefined;
    const response = await flow.credential(flow.credentialBody(proofs), { tokenInQuery: true, correlated: false, label: 'access token in the query' });
    // Accepted, the issuer did tie it to the session (and its events should say so).
    flow.happenings.at(-1)!.correlated = response.status === 200;
    const spec = 'RFC 6750 §2.3; FAPI 2.0 Security Profile §5.3.4';
    const answer = describeAnswer(response);
    const finding =
      response.status >= 200 && response.status < 300
        ? fail(`accepted (${answer}): a server must not take an access token from the URL query`)
        : [400, 401, 414].includes(response.status)
          ? pass(answer)
          : response.status < 500
            ? warn(`${answer}: refused, but with HTTP ${response.status} instead of 400, 401 or 414`)
            : fail(`${answer}: a server error, not a refusal`);
    run.record(module, 'access token in the query refused', finding, spec, response.ms);
  },
};

export const CREDENTIAL_REFUSALS: readonly Scenario[] = [invalidNonce, invalidProofSignature, missingProof, unknownConfiguration, tokenInQuery];
