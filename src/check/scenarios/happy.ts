import { isPlainObject, type JsonObject } from '../../shared/json.js';
import { thumbprint } from '../../wallet/keys.js';
import { checkCredential } from '../credential.js';
import type { Discovery } from '../discovery.js';
import { describeAnswer, type HttpResult, hasNoStore, isJsonContentType, jsonObject } from '../http.js';
import type { ModuleName } from '../modules.js';
import { type Finding, fail, pass, skip, warn, worst } from '../results.js';
import { newKey, type Scenario, type ScenarioRun } from '../scenario.js';

/** Credential offer parameters (OID4VCI 1.0 §4.1.1); others are a warning, as the suite's `CheckForUnexpectedParametersInCredentialOffer`. */
const OFFER_KEYS = ['credential_issuer', 'credential_configuration_ids', 'grants'];
/** Credential response parameters (§8.3), as the suite's `VCIValidateNoUnknownKeysInCredentialResponse`. */
const RESPONSE_KEYS = ['credentials', 'transaction_id', 'notification_id', 'interval'];

/**
 * Issues one credential as a conformant wallet does and checks every answer on the way and the
 * credential itself (the suite's `VCIIssuerHappyFlow`); the happy flow also sends the notification
 * the response allows (our `issuer-events-notification`), the skip-notification one never does.
 */
async function issue(run: ScenarioRun, module: ModuleName, options: { notify: boolean; batch?: number }): Promise<void> {
  const { flow } = run;
  const offer = await flow.resolve();
  const discovery = flow.discovery!;
  run.record(module, 'credential offer', offerFinding(offer.object, offer.response), 'OID4VCI 1.0 §4.1, §4.1.1', offer.response?.ms);
  const token = await flow.token(flow.handle.txCodeValue);
  flow.happened({ step: 'token', at: token.startedAt, ok: token.status === 200, correlated: true, label: 'token' });
  run.record(module, 'token response', tokenFinding(token), 'OID4VCI 1.0 §6.2; RFC 6749 §5.1', token.ms);
  if (!flow.accessToken) return;
  let nonce: string | undefined;
  if (typeof discovery.issuer.document?.nonce_endpoint === 'string') {
    const response = await flow.nonceRequest();
    run.record(module, 'nonce endpoint', nonceFinding(response), 'OID4VCI 1.0 §7.1, §7.2', response.ms);
    const fresh = jsonObject(response)?.c_nonce;
    if (response.status !== 200 || typeof fresh !== 'string') return;
    nonce = fresh;
  } else {
    nonce = typeof flow.tokenResponse?.c_nonce === 'string' ? flow.tokenResponse.c_nonce : undefined;
    run.record(module, 'nonce endpoint', skip(`the metadata has no nonce_endpoint${nonce ? '; the token response c_nonce is used (pre-final)' : ''}`), 'OID4VCI 1.0 §7');
  }
  const keys = await Promise.all(Array.from({ length: flow.requiresProof ? (options.batch ?? 1) : 0 }, () => newKey()));
  const proofs = flow.requiresProof ? await Promise.all(keys.map((key) => flow.proof(key, nonce))) : undefined;
  const response = await flow.credential(flow.credentialBody(proofs));
  const body = jsonObject(response);
  const credentials = Array.isArray(body?.credentials) ? body.credentials : [];
  run.record(module, 'credential response', responseFinding(response, credentials), 'OID4VCI 1.0 §8.3', response.ms);
  if (response.status !== 200 || !body) return;
  const extra = Object.keys(body).filter((k) => !RESPONSE_KEYS.includes(k));
  run.record(module, 'credential response keys', extra.length ? warn(`unexpected keys: ${extra.join(', ')}`) : pass(Object.keys(body).join(', ')), 'OID4VCI 1.0 §8.3');
  if (typeof body.transaction_id === 'string' && credentials.length === 0) {
    run.record(module, 'credential', skip('deferred issuance (transaction_id): check does not poll the deferred credential endpoint'), 'OID4VCI 1.0 §9');
    return;
  }
  const sent = keys.map((k) => thumbprint(k.publicJwk));
  const bound: string[] = [];
  for (const [i, entry] of credentials.entries()) {
    const raw = isPlainObject(entry) ? entry.credential : undefined;
    if (raw === undefined) continue;
    const { checks, boundTo } = await checkCredential(raw, {
      format: flow.format,
      configurationId: flow.configurationId!,
      configuration: flow.configuration!,
      discovery,
      http: flow.http,
      proofKeys: sent,
      holderJwk: keys[0]?.publicJwk ?? {},
      allowUnverified: run.allowUnverified,
    });
    if (boundTo) bound.push(boundTo);
    const prefix = credentials.length > 1 ? `credential ${i + 1}: ` : '';
    for (const check of checks) run.record(module, `${prefix}${check.check}`, check.finding, check.spec, check.ms);
  }
  if (options.batch !== undefined) recordBatch(run, module, options.batch, credentials.length, bound);
  if (options.notify) await notify(run, body);
}

function offerFinding(object: JsonObject, response: HttpResult | undefined): Finding {
  const findings: Finding[] = [];
  const ids = Array.isArray(object.credential_configuration_ids) ? object.credential_configuration_ids : [];
  if (ids.length === 0) findings.push(fail('credential_configuration_ids is missing or empty'));
  // Whether the metadata's credential_issuer is the identifier it was fetched for is the metadata module's check.
  const extra = Object.keys(object).filter((k) => !OFFER_KEYS.includes(k));
  if (extra.length) findings.push(warn(`unexpected parameters: ${extra.join(', ')}`));
  if (response && !isJsonContentType(response))
    findings.push(warn(`credential_offer_uri answered ${response.headers.get('content-type') ?? 'no content type'}, not application/json`));
  return worst(findings, `${response ? 'by reference' : 'by value'}, ${ids.join(', ')}`);
}

function tokenFinding(token: HttpResult): Finding {
  const body = jsonObject(token);
  if (token.status !== 200) return fail(describeAnswer(token));
  const findings: Finding[] = [];
  if (typeof body?.access_token !== 'string') findings.push(fail('no access_token'));
  if (typeof body?.token_type !== 'string') findings.push(fail('no token_type'));
  if (!hasNoStore(token)) findings.push(fail('no Cache-Control: no-store'));
  return worst(findings, `token_type ${String(body?.token_type)}, expires_in ${String(body?.expires_in ?? '(none)')}`);
}

/** `ValidateVCINonceEndpointResponse`: 200, JSON (a warning), Cache-Control no-store, a c_nonce. */
function nonceFinding(response: HttpResult): Finding {
  const body = jsonObject(response);
  if (response.status !== 200) return fail(describeAnswer(response));
  const findings: Finding[] = [];
  if (typeof body?.c_nonce !== 'string') findings.push(fail('no c_nonce'));
  if (!hasNoStore(response)) findings.push(fail('no Cache-Control: no-store'));
  if (!isJsonContentType(response)) findings.push(warn(`content type ${response.headers.get('content-type') ?? '(none)'}, not application/json`));
  return worst(findings, 'c_nonce, no-store');
}

function responseFinding(response: HttpResult, credentials: unknown[]): Finding {
  if (response.status !== 200) return fail(describeAnswer(response));
  const findings: Finding[] = [];
  if (!isJsonContentType(response)) findings.push(fail(`content type ${response.headers.get('content-type') ?? '(none)'}, not application/json`));
  const body = jsonObject(response);
  if (!body) findings.push(fail('the body is not a JSON object'));
  else if (credentials.length === 0 && typeof body.transaction_id !== 'string') findings.push(fail('neither credentials nor transaction_id'));
  else if (credentials.some((c) => !isPlainObject(c) || c.credential === undefined)) findings.push(fail('a credentials entry is not an object with credential'));
  return worst(findings, `${credentials.length} credential${credentials.length === 1 ? '' : 's'}`);
}

/** `VCIIssuerBatchIssuance`: no more credentials than proofs (fewer is a warning), each bound to a distinct proof key. */
function recordBatch(run: ScenarioRun, module: ModuleName, proofs: number, count: number, bound: readonly string[]): void {
  const spec = 'OID4VCI 1.0 §8.3';
  run.record(
    module,
    'credential count',
    count > proofs
      ? fail(`${count} credentials for ${proofs} proofs`)
      : count < proofs
        ? warn(`${count} credentials for ${proofs} proofs (permitted)`)
        : pass(`${count} for ${proofs} proofs`),
    spec,
  );
  if (count < 2) {
    run.record(module, 'distinct binding keys', skip(`${count} credential returned: batch behaviour cannot be evaluated`), spec);
    return;
  }
  run.record(
    module,
    'distinct binding keys',
    new Set(bound).size === bound.length ? pass(`${bound.length} distinct keys`) : fail('two credentials are bound to the same key'),
    spec,
  );
}

/** §11: credential_accepted with the response's notification_id, answered 2xx (204). */
async function notify(run: ScenarioRun, body: JsonObject): Promise<void> {
  const module = 'issuer-events-notification';
  if (!run.selected(module)) return;
  const { flow } = run;
  const spec = 'OID4VCI 1.0 §11.1, §11.2';
  const hasEndpoint = typeof flow.discovery?.issuer.document?.notification_endpoint === 'string';
  const id = body.notification_id;
  if (!hasEndpoint) {
    if (id !== undefined) run.record(module, 'notification', warn('the response carries a notification_id but the metadata has no notification_endpoint'), 'OID4VCI 1.0 §8.3');
    return;
  }
  if (typeof id !== 'string') return run.record(module, 'notification', skip('the credential response carries no notification_id: nothing to notify'), 'OID4VCI 1.0 §8.3');
  const response = await flow.notify(id, 'credential_accepted');
  const ok = response.status >= 200 && response.status < 300;
  run.record(
    module,
    'credential_accepted',
    ok ? (response.status === 204 ? pass('HTTP 204') : warn(`HTTP ${response.status} instead of 204`)) : fail(describeAnswer(response)),
    spec,
    response.ms,
  );
}

const happyFlow: Scenario = {
  id: 'happy-flow',
  label: 'happy flow',
  modules: ['oid4vci-1_0-issuer-happy-flow', 'issuer-events-notification'],
  run: (run) => issue(run, 'oid4vci-1_0-issuer-happy-flow', { notify: true }),
};

const skipNotification: Scenario = {
  id: 'skip-notification',
  label: 'happy flow without notification',
  modules: ['oid4vci-1_0-issuer-happy-flow-skip-notification'],
  skipUnless: (discovery) =>
    typeof discovery.issuer.document?.notification_endpoint === 'string'
      ? undefined
      : 'the issuer has no notification endpoint (OID4VCI 1.0 §11): the happy flow sends no notification either',
  run: (run) => issue(run, 'oid4vci-1_0-issuer-happy-flow-skip-notification', { notify: false }),
};

/** The advertised batch size, capped at 20 as the suite does. */
function batchSize(discovery: Discovery): number | undefined {
  const batch = discovery.issuer.document?.batch_credential_issuance;
  const size = isPlainObject(batch) && typeof batch.batch_size === 'number' ? batch.batch_size : undefined;
  return size === undefined ? undefined : Math.min(20, Math.max(2, Math.floor(size)));
}

const batchIssuance: Scenario = {
  id: 'batch',
  label: 'batch issuance',
  modules: ['oid4vci-1_0-issuer-batch-issuance'],
  skipUnless: (discovery) =>
    batchSize(discovery) === undefined ? 'the metadata has no batch_credential_issuance (the issuer does not issue batches, which is permitted)' : undefined,
  run: async (run) => {
    await run.flow.resolve();
    if (!run.flow.requiresProof) return run.record('oid4vci-1_0-issuer-batch-issuance', 'applies', skip('the configuration requires no proof: no keys to batch'), null);
    return issue(run, 'oid4vci-1_0-issuer-batch-issuance', { notify: false, batch: batchSize(run.flow.discovery!) ?? 2 });
  },
};

export const HAPPY: readonly Scenario[] = [happyFlow, skipNotification, batchIssuance];
