import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, createOffer, issue, startSandbox, tokenRequest } from '../helpers/raw-wallet.mjs';

// Where the sandbox must be stricter than a naive issuer (OID4VCI 1.0) and as walt.id issuer2 is:
// each request sent by hand (test/helpers/raw-wallet.mjs), so that the status and body are seen.

/** @type {import('issuer-events').SandboxIssuer} */
let sandbox;
before(async () => {
  sandbox = await startSandbox();
});
after(() => sandbox.close());

test('a pre-authorized code is single use: a second token request answers 400 invalid_grant, before and after issuance', async () => {
  const created = await createOffer(sandbox, 'openBadgeCredential', { txCode: { length: 4 } });
  const first = await tokenRequest(sandbox, created.code, created.txCodeValue);
  assert.equal(first.status, 200);
  const second = await tokenRequest(sandbox, created.code, created.txCodeValue);
  assert.equal(second.status, 400, 'OID4VCI 1.0 §4.1.1: the code MUST be single use');
  assert.equal(second.body.error, 'invalid_grant');

  const raced = await createOffer(sandbox, 'isoMdl');
  const answers = await Promise.all([tokenRequest(sandbox, raced.code), tokenRequest(sandbox, raced.code)]);
  assert.deepEqual(answers.map((a) => a.status).sort(), [200, 400], 'two requests racing with one code: one token');

  const { created: issued, credential } = await issue(sandbox, 'identityCredentialSdJwt');
  assert.equal(credential.status, 200);
  const afterIssuance = await tokenRequest(sandbox, issued.code);
  assert.equal(afterIssuance.status, 400);
  assert.equal(afterIssuance.body.error, 'invalid_grant');
  // walt.id consumes the code's record: a reused code can no longer be tied to its session, so
  // its failure is an issuer-level one and the session keeps the status issuance gave it.
  const session = await call(`${sandbox.url}/issuer2/sessions/${issued.offerId}`);
  assert.equal(session.body.status, 'SUCCESSFUL');
});
