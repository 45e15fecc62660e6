import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parseNdjson, waitFor } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { startOid4vciDouble } from '../helpers/oid4vci-double.mjs';
import { collectSse, collectWebhooks, createOffer, startSandbox } from '../helpers/sandbox.mjs';

// claim --notify (OID4VCI 1.0 §11): after issuance the wallet tells the issuer what became of the
// credential, as a real wallet does, when the response carries a notification_id and the issuer
// has a Notification Endpoint.

/** @type {import('issuer-events').SandboxIssuer} */
let sandbox;
/** @type {import('issuer-events').SandboxIssuer} */
let plainSandbox;
/** @type {Awaited<ReturnType<typeof startOid4vciDouble>>} */
let double;
before(async () => {
  [sandbox, plainSandbox, double] = await Promise.all([startSandbox({ notificationEndpoint: true }), startSandbox(), startOid4vciDouble()]);
});
after(() => Promise.all([sandbox.close(), plainSandbox.close(), double.close()]));

/** An offer of `profile` and its session's stream, subscribed before anything is claimed. */
async function offerWithStream(issuer, profile = 'identityCredentialSdJwt') {
  const created = await createOffer(issuer, profile);
  const stream = await collectSse(`${issuer.url}/issuer2/sessions/${created.offerId}/events`);
  return { created, stream };
}

const notifications = (stream) => stream.events.filter((e) => String(e.event).startsWith('notification_'));

test('claim sends credential_accepted by default: a notification step after the credential, and the sandbox records the event', async () => {
  const { created, stream } = await offerWithStream(sandbox);
  try {
    const r = await runInProcess(['claim', created.credentialOffer, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const [result] = parseNdjson(r.stdout);
    assert.deepEqual(
      result.steps.map((s) => s.name),
      ['offer', 'issuer-metadata', 'authorization-server-metadata', 'token', 'nonce', 'proof', 'credential', 'decode', 'notification'],
    );
    const step = result.steps.at(-1);
    assert.equal(step.status, 'ok');
    assert.equal(typeof step.ms, 'number');
    await waitFor(() => notifications(stream).length >= 1);
    const [event] = notifications(stream);
    assert.equal(event.event, 'notification_credential_accepted');
    assert.equal(event.notification.event, 'credential_accepted');
    assert.equal(typeof event.notification.notification_id, 'string');
    assert.equal(event.target, created.offerId);
  } finally {
    await stream.close();
  }
  // Pretty: the step is shown like the others, with the event and where it went.
  const pretty = await runInProcess(['claim', (await createOffer(sandbox, 'openBadgeCredential')).credentialOffer]);
  assert.equal(pretty.code, 0, pretty.stderr);
  assert.match(pretty.stderr, /^✓ notification {18} +\S+ {2}credential_accepted → http:\/\/127\.0\.0\.1:\d+\/openid4vci\/notification$/m);
});

test('--notify deleted and --notify failure send those events; --notify none sends nothing and shows no step', async () => {
  for (const [flag, event] of [
    ['deleted', 'credential_deleted'],
    ['failure', 'credential_failure'],
  ]) {
    const { created, stream } = await offerWithStream(sandbox, 'openBadgeCredential');
    try {
      const r = await runInProcess(['claim', created.credentialOffer, '--notify', flag, '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(parseNdjson(r.stdout)[0].steps.at(-1).name, 'notification');
      await waitFor(() => notifications(stream).length >= 1);
      assert.deepEqual(
        notifications(stream).map((e) => e.notification.event),
        [event],
      );
    } finally {
      await stream.close();
    }
  }
  const { created, stream } = await offerWithStream(sandbox, 'openBadgeCredential');
  try {
    const r = await runInProcess(['claim', created.credentialOffer, '--notify', 'none', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!parseNdjson(r.stdout)[0].steps.some((s) => s.name === 'notification'));
    // The credential's own events arrive; no notification follows them.
    await waitFor(() => stream.events.some((e) => String(e.event).startsWith('credential_request_')));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(notifications(stream), []);
  } finally {
    await stream.close();
  }
});

test('an issuer without a notification endpoint (walt.id, the default sandbox): no notification step, exit 0, even with --notify given', async () => {
  const created = await createOffer(plainSandbox, 'openBadgeCredential');
  const r = await runInProcess(['claim', created.credentialOffer, '--notify', 'accepted', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!parseNdjson(r.stdout)[0].steps.some((s) => s.name === 'notification'));
});

test('a refused notification exits 3 with the issuer error and description; 401 exits 4; the access token goes as a Bearer header', async () => {
  try {
    double.state.notification = { status: 400, body: { error: 'invalid_notification_id', error_description: 'no such id here' } };
    let r = await runInProcess(['claim', double.createOffer().credentialOffer, '--json']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^error: notification: the issuer refused: invalid_notification_id \(no such id here\)$/m);
    const sent = double.requests.find((q) => q.path === '/openid4vci/notification');
    assert.ok(sent, 'the notification was sent');
    assert.match(String(sent.headers.authorization), /^Bearer \S+$/);
    const body = JSON.parse(sent.raw);
    assert.equal(body.event, 'credential_accepted');
    assert.match(body.notification_id, /^n-/);
    // Pretty: the step is marked failed.
    r = await runInProcess(['claim', double.createOffer().credentialOffer]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^✗ notification/m);
    double.state.notification = { status: 401, body: { error: 'invalid_token' } };
    r = await runInProcess(['claim', double.createOffer().credentialOffer]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /^error: notification: authentication refused \(401\): invalid_token$/m);
    // An issuer's own error code (not one of §11.3's) is shown as well.
    double.state.notification = { status: 400, body: { error: 'slow_down' } };
    r = await runInProcess(['claim', double.createOffer().credentialOffer]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^error: notification: the issuer refused: slow_down$/m);
    // 204 (the spec's answer) and 200 both succeed.
    double.state.notification = { status: 204 };
    r = await runInProcess(['claim', double.createOffer().credentialOffer]);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    double.reset();
  }
});

test('-v shows the notification exchange without the access token', async () => {
  const created = await createOffer(sandbox, 'openBadgeCredential');
  const r = await runInProcess(['claim', created.credentialOffer, '-v']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /POST http:\/\/127\.0\.0\.1:\d+\/openid4vci\/notification → 204/);
  assert.match(r.stderr, /"event":\s*"credential_accepted"/);
  assert.doesNotMatch(r.stderr, /Bearer ey/);
});

test('a bad --notify value is one usage line (exit 2), before anything is sent', async () => {
  const before = double.requests.length;
  const r = await runInProcess(['claim', double.createOffer().credentialOffer, '--notify', 'loved']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'error: invalid --notify "loved": use accepted, deleted, failure or none\n');
  assert.equal(double.requests.length, before);
  const offer = await runInProcess(['offer', 'create', '--profile', 'x', '--base-url', double.url, '--claim', '--notify', 'yes']);
  assert.equal(offer.code, 2);
  assert.equal(offer.stderr, 'error: invalid --notify "yes": use accepted, deleted, failure or none\n');
});

test('offer create --claim --notify deleted: the smoke test sends the notification and exits 0', async () => {
  // The session's events also go to its webhook: the notification's among them.
  const hooks = await collectWebhooks();
  try {
    const r = await runInProcess(['offer', 'create', '--profile', 'openBadgeCredential', '--webhook-url', hooks.url, '--base-url', sandbox.url, '--claim', '--notify', 'deleted']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^✓ notification/m);
    await waitFor(() => hooks.bodies.some((b) => String(b.event).startsWith('notification_')));
    assert.equal(hooks.bodies.find((b) => String(b.event).startsWith('notification_')).notification.event, 'credential_deleted');
  } finally {
    await hooks.close();
  }
  // Without --claim it does nothing, and says so.
  const alone = await runInProcess(['offer', 'create', '--profile', 'openBadgeCredential', '--base-url', sandbox.url, '--notify', 'none']);
  assert.equal(alone.code, 0, alone.stderr);
  assert.match(alone.stderr, /^warning: --notify has no effect without --claim$/m);
});
