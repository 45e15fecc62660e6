import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { parseNdjson } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { startSphereonIssuer } from '../helpers/sphereon-issuer.mjs';

// An issuer issue-events did not write: Sphereon's @sphereon/oid4vci-issuer, in this process on
// loopback, behind the routes of its own REST package (test/helpers/sphereon-issuer.mjs). check
// drives it through --offer-command, a script that asks it for one offer per scenario.
const OFFER_SCRIPT = fileURLToPath(new URL('../fixtures/check/sphereon-offer.mjs', import.meta.url));

/** @type {Awaited<ReturnType<typeof startSphereonIssuer>>} */
let issuer;
/** @type {{ code: number | null, stderr: string, records: any[] }} */
let run;

before(async () => {
  issuer = await startSphereonIssuer();
  const r = await runInProcess(['check', '--json', '--offer-command', `"${process.execPath}" "${OFFER_SCRIPT}" ${issuer.offersUrl}`], { timeoutMs: 120_000 });
  run = { ...r, records: parseNdjson(r.stdout) };
});
after(() => issuer?.close());

const find = (module, check) => run.records.find((r) => r.module === module && r.check === check);

test('check --offer-command against Sphereon: the report is produced, for its one configuration, and exits 1', () => {
  assert.equal(run.code, 1, run.stderr);
  const summary = run.records.at(-1);
  assert.equal(summary.kind, 'check-summary');
  assert.deepEqual(summary.latency, { sse: null, webhook: null }, 'no channel is watched for an issuer without a management API');
  const profiles = new Set(run.records.slice(0, -1).map((r) => r.profile));
  assert.deepEqual([...profiles], [null, 'UniversityDegree_jwt_vc_json'], 'the profiles are the configuration ids of its offers');
  // It issues a credential whose signature and binding check verifies.
  for (const check of ['token response', 'credential response', 'issuer signature', 'holder binding', 'credential type', 'W3C VC claims']) {
    assert.equal(find('oid4vci-1_0-issuer-happy-flow', check)?.status, 'pass', check);
  }
  assert.equal(find('issuer-events-events', 'events')?.status, 'skip');
});

test('its known departures: a reused pre-authorized code is accepted (fail); a bad proof is answered with HTTP 500 (warn) and the wrong error code (fail)', () => {
  const reused = find('issuer-events-fail-reused-pre-authorized-code', 'request refused');
  assert.equal(reused.status, 'fail');
  assert.match(reused.detail, /^accepted: HTTP 200 \{access_token, token_type, /);
  assert.doesNotMatch(reused.detail, /eyJhbGci/, 'the access token it issued is not printed');
  assert.equal(reused.spec, 'OID4VCI 1.0 §4.1.1; RFC 6749 §5.2');
  const refused = find('oid4vci-1_0-issuer-fail-invalid-jwt-proof-signature', 'request refused');
  assert.equal(refused.status, 'warn');
  assert.match(refused.detail, /^HTTP 500 invalid_request .*HTTP 500 instead of 400/);
  const code = find('oid4vci-1_0-issuer-fail-invalid-jwt-proof-signature', 'error code');
  assert.equal(code.status, 'fail');
  assert.match(code.detail, /error invalid_request, expected invalid_proof/);
  // What it does right is not reported as wrong: the tx code refusals, the token in the query.
  assert.equal(find('issuer-events-fail-invalid-tx-code', 'error code')?.status, 'pass');
  assert.equal(find('issuer-events-fail-missing-tx-code', 'error code')?.status, 'pass');
  assert.equal(find('oid4vci-1_0-issuer-fail-on-access-token-in-query', 'access token in the query refused')?.status, 'pass');
});

test('its pre-final metadata is warned about, not failed: no nonce endpoint, token_endpoint among the issuer parameters', () => {
  assert.equal(find('oid4vci-1_0-issuer-metadata-test', 'nonce endpoint')?.status, 'warn');
  const unknown = find('oid4vci-1_0-issuer-metadata-test', 'unknown parameters');
  assert.equal(unknown.status, 'warn');
  assert.match(unknown.detail, /token_endpoint/);
});
