import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as api from 'issuer-events';

test('the programmatic API: an offer created against the sandbox, followed with SseStream', async () => {
  const sandbox = new api.SandboxIssuer({ host: '127.0.0.1', port: 0, profiles: api.loadProfiles(), eventNames: 'current', autoClaimMs: 0 });
  await sandbox.start();
  try {
    const offer = await api.createOffer({ baseUrl: sandbox.url }, { profileId: 'isoMdl' });
    const types = [];
    const stream = new api.SseStream(
      { url: api.sessionEventsUrl({ baseUrl: sandbox.url }, offer.offerId), retries: 1, connectTimeoutMs: 5000 },
      {
        onMessage(message) {
          const event = api.eventFromSse(message);
          if (event) types.push(event.type);
          return event?.terminal === true;
        },
      },
    );
    await stream.run();
    assert.deepEqual(types, [
      'credential_offer_retrieved',
      'token_request_pre_authorized_code_succeeded',
      // The credential event already carries the terminal status (walt.id saves the session first).
      'credential_request_mso_mdoc_succeeded',
    ]);
    await assert.rejects(api.createOffer({ baseUrl: sandbox.url }, { profileId: 'nope' }), { code: 'E_HTTP_404', exitCode: 5 });
  } finally {
    await sandbox.close();
  }
});

test("the README's sendTrigger example: a signed didx:me event that the official library verifies", async () => {
  const { sendTrigger, triggerEntry, parseAssignment } = await import('issuer-events');
  const { Webhook } = await import('standardwebhooks');
  const { listen, readBody } = await import('../helpers/http.mjs');
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  /** @type {any} */
  let got;
  const server = await listen(async (req, res) => {
    got = { headers: req.headers, body: (await readBody(req)).toString('utf8') };
    res.writeHead(202).end();
  });
  try {
    const assignment = /** @type {any} */ (parseAssignment('payload.state=done'));
    const result = await sendTrigger({
      entry: /** @type {any} */ (triggerEntry('openid4vc.issuance.completed')),
      to: `${server.url}/`,
      scheme: 'standard',
      secret,
      sets: [assignment],
    });
    assert.equal(result.status, 202);
    assert.equal(result.ok, true);
    const payload = /** @type {any} */ (new Webhook(secret).verify(got.body, got.headers));
    assert.equal(payload.payload.state, 'done');
    assert.equal(payload.eventType, 'openid4vc.issuance.completed');
  } finally {
    await server.close();
  }
});
