import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importJWK, importX509, jwtVerify } from 'jose';
import { resolveKeyDid } from '../../dist/shared/did.js';
import { waitFor } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { call, collectSse, collectWebhooks, createOffer, holderKey, issue, proofJwt, startSandbox, startSandboxCli, tokenRequest } from '../helpers/sandbox.mjs';

// Where the sandbox must be stricter than a naive issuer (OID4VCI 1.0) and as walt.id issuer2 is:
// each request sent by hand (test/helpers/sandbox.mjs), so that the status and body are seen.

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

// The W3C CCG did:key test vectors (test-vectors/nist-curves.json, ed25519-x25519.json): a key
// the sandbox did not make, so its decoding is checked against someone else's encoding.
const P256_VECTOR = {
  did: 'did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv',
  jwk: {
    kty: 'EC',
    crv: 'P-256',
    x: 'igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns',
    y: 'efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM',
    d: 'gPh-VvVS8MbvKQ9LSVVmfnxnKjHn4Tqj0bmbpehRlpc',
  },
};
const ED25519_VECTOR = { did: 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp', x: 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik' };

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** did:key of an Ed25519 public key (multicodec 0xed 0x01, base58btc): the test's own encoder, checked against the vector. */
function ed25519DidKey(x) {
  let n = BigInt(`0x${Buffer.concat([Buffer.from([0xed, 0x01]), Buffer.from(x, 'base64url')]).toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE58[Number(n % 58n)] + out;
    n /= 58n;
  }
  return `did:key:z${out}`;
}

test('jwt_vc_json and SD-JWT VC advertise the binding methods walt.id does; mso_mdoc a COSE key', async () => {
  const metadata = (await call(`${sandbox.url}/.well-known/openid-credential-issuer/openid4vci`)).body;
  const methods = Object.fromEntries(Object.entries(metadata.credential_configurations_supported).map(([id, c]) => [id, c.cryptographic_binding_methods_supported]));
  const walt = ['jwk', 'did:key', 'did:web', 'did:jwk', 'did:ebsi'];
  assert.deepEqual(methods, {
    OpenBadgeCredential_jwt_vc_json: walt,
    UniversityDegree_jwt_vc_json: walt,
    identity_credential: walt,
    'org.iso.18013.5.1.mDL': ['cose_key'],
  });
});

test('a proof whose kid is a did:key or did:jwk binds the credential to that DID (sub, credentialSubject.id; SD-JWT sub and cnf.jwk)', async () => {
  assert.equal(ed25519DidKey(ED25519_VECTOR.x), ED25519_VECTOR.did, "the test's encoder agrees with the vector");
  const vectorKey = { privateKey: await importJWK(P256_VECTOR.jwk, 'ES256'), publicJwk: { kty: 'EC', crv: 'P-256', x: P256_VECTOR.jwk.x, y: P256_VECTOR.jwk.y }, alg: 'ES256' };
  const ed = await holderKey('EdDSA');
  const es = await holderKey();
  const didJwk = `did:jwk:${Buffer.from(JSON.stringify(es.publicJwk)).toString('base64url')}`;
  const cases = [
    { key: vectorKey, did: P256_VECTOR.did, kid: `${P256_VECTOR.did}#${P256_VECTOR.did.slice(8)}` },
    { key: ed, did: ed25519DidKey(ed.publicJwk.x), kid: `${ed25519DidKey(ed.publicJwk.x)}#${ed25519DidKey(ed.publicJwk.x).slice(8)}` },
    { key: es, did: didJwk, kid: `${didJwk}#0` },
  ];
  for (const { key, did, kid } of cases) {
    const w3c = await issue(sandbox, 'openBadgeCredential', { key, proofHeader: { kid } });
    assert.equal(w3c.credential.status, 200, `${did}: ${JSON.stringify(w3c.credential.body)}`);
    const vc = decodeJwt(w3c.credential.body.credentials[0].credential);
    assert.equal(vc.sub, did);
    assert.equal(/** @type {any} */ (vc.vc).credentialSubject.id, did);

    const sd = await issue(sandbox, 'identityCredentialSdJwt', { key, proofHeader: { kid } });
    assert.equal(sd.credential.status, 200, `${did}: ${JSON.stringify(sd.credential.body)}`);
    const payload = decodeJwt(sd.credential.body.credentials[0].credential.split('~')[0]);
    assert.equal(payload.sub, did);
    assert.deepEqual(/** @type {any} */ (payload.cnf).jwk, key.publicJwk, 'the key the DID names, for key binding');
  }
});

test('did:key and did:jwk resolve offline to the key the test vectors name; anything else says why', () => {
  assert.deepEqual(resolveKeyDid(`${ED25519_VECTOR.did}#${ED25519_VECTOR.did.slice(8)}`), { kty: 'OKP', crv: 'Ed25519', x: ED25519_VECTOR.x });
  const { d: _d, ...publicJwk } = P256_VECTOR.jwk;
  assert.deepEqual(resolveKeyDid(P256_VECTOR.did), publicJwk);
  assert.throws(() => resolveKeyDid('did:key:z6Mk0OIl'), /outside base58btc/);
  assert.throws(() => resolveKeyDid('did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZ'), /bytes|curve|multicodec/);
  assert.throws(() => resolveKeyDid('did:web:wallet.example'), /did:web DIDs are resolved over the network/);
});

test('a did:web or did:ebsi proof is refused with invalid_proof saying why (resolving it needs the network); an mdoc proof must carry its key', async () => {
  const key = await holderKey();
  for (const kid of ['did:web:wallet.example#key-1', 'did:ebsi:zvHWX359A3CvfJnCYaAiAde#key-1']) {
    const { credential } = await issue(sandbox, 'openBadgeCredential', { key, proofHeader: { kid } });
    assert.equal(credential.status, 400);
    assert.equal(credential.body.error, 'invalid_proof');
    assert.match(credential.body.error_description, new RegExp(`${kid.split(':').slice(0, 2).join(':')}.*network`));
  }
  const didJwk = `did:jwk:${Buffer.from(JSON.stringify(key.publicJwk)).toString('base64url')}#0`;
  const { credential } = await issue(sandbox, 'isoMdl', { key, proofHeader: { kid: didJwk } });
  assert.equal(credential.status, 400);
  assert.equal(credential.body.error, 'invalid_proof');
  assert.match(credential.body.error_description, /cose_key/);
});

test('the SD-JWT VC carries the issuer certificate chain in x5c (as walt.id SD-JWT profiles do, and HAIP requires) and keeps its kid', async () => {
  const { credential } = await issue(sandbox, 'identityCredentialSdJwt');
  const issuerJwt = credential.body.credentials[0].credential.split('~')[0];
  const header = decodeProtectedHeader(issuerJwt);
  const jwks = (await call(`${sandbox.url}/openid4vci/jwks`)).body;
  assert.equal(header.kid, jwks.keys[0].kid, 'the kid still names the published key');
  assert.ok(Array.isArray(header.x5c) && header.x5c.length >= 1, 'x5c present');
  const certificate = new X509Certificate(Buffer.from(header.x5c[0], 'base64'));
  assert.equal(certificate.publicKey.export({ format: 'jwk' }).x, jwks.keys[0].x, 'the leaf certificate holds the published key');
  await jwtVerify(issuerJwt, await importX509(certificate.toString(), 'ES256'));
});

test('metadata only at the path-inserted well-known, as walt.id (404 at the appended form); sandbox --legacy-well-known also serves the appended form', async () => {
  const inserted = ['/.well-known/openid-credential-issuer/openid4vci', '/.well-known/oauth-authorization-server/openid4vci'];
  // What a draft-13-era wallet builds: the issuer URL with the well-known suffix appended.
  const appended = ['/openid4vci/.well-known/openid-credential-issuer', '/openid4vci/.well-known/oauth-authorization-server'];
  for (const path of inserted) assert.equal((await call(`${sandbox.url}${path}`)).status, 200, path);
  for (const path of appended) assert.equal((await call(`${sandbox.url}${path}`)).status, 404, `${path}: OID4VCI 1.0 §12.2.2 inserts the well-known before the path`);

  const cli = await startSandboxCli(['--legacy-well-known']);
  try {
    for (const [i, path] of appended.entries()) {
      const legacy = await call(`${cli.url}${path}`);
      assert.equal(legacy.status, 200, path);
      assert.deepEqual(legacy.body, (await call(`${cli.url}${inserted[i]}`)).body, 'the same document at both places');
    }
  } finally {
    cli.result.child.kill('SIGTERM');
    await cli.result;
  }
  const help = await runInProcess(['sandbox', '--help']);
  assert.match(help.stdout.replace(/\s+/g, ' '), /--legacy-well-known .*404/);
});

test('a BY_VALUE offer carries its grants, like the BY_REFERENCE one, and issuer-events claim claims it', async () => {
  const created = await createOffer(sandbox, 'identityCredentialSdJwt', { valueMode: 'BY_VALUE', txCode: { length: 5 } });
  assert.match(created.credentialOffer, /^openid-credential-offer:\/\/\?credential_offer=/);
  assert.ok(created.code, 'a pre-authorized code in the offer');
  assert.deepEqual(created.offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'].tx_code, { input_mode: 'numeric', length: 5 });
  const r = await runInProcess(['claim', created.credentialOffer, '--tx-code', created.txCodeValue, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).credentials[0].signature.verified, true);
});

test('no notification endpoint by default, as walt.id: no notification_endpoint, no notification_id, no route', async () => {
  const metadata = (await call(`${sandbox.url}/.well-known/openid-credential-issuer/openid4vci`)).body;
  assert.equal(metadata.notification_endpoint, undefined);
  const { credential, token } = await issue(sandbox, 'openBadgeCredential');
  assert.equal(credential.body.notification_id, undefined);
  const r = await notify(sandbox, token.body.access_token, { notification_id: 'x', event: 'credential_accepted' });
  assert.equal(r.status, 404);
});

test('--notification-endpoint (OID4VCI 1.0 §11): metadata, notification_id, 204 for each event, invalid_notification_id, and a session event on SSE and webhook', async () => {
  const hooks = await collectWebhooks();
  const withEndpoint = await startSandbox({ notificationEndpoint: true });
  try {
    const metadata = (await call(`${withEndpoint.url}/.well-known/openid-credential-issuer/openid4vci`)).body;
    assert.equal(metadata.notification_endpoint, `${withEndpoint.url}/openid4vci/notification`);
    const sessionId = 'notified-session';
    const { credential, token } = await issue(withEndpoint, 'identityCredentialSdJwt', {
      offer: { sessionId, runtimeOverrides: { notifications: { webhook: { url: hooks.url } } } },
    });
    assert.equal(credential.status, 200);
    const id = credential.body.notification_id;
    assert.equal(typeof id, 'string', 'a notification_id beside the credentials');
    const stream = await collectSse(`${withEndpoint.url}/issuer2/sessions/${sessionId}/events`);
    const accessToken = token.body.access_token;
    for (const event of ['credential_accepted', 'credential_deleted', 'credential_failure']) {
      const r = await notify(withEndpoint, accessToken, { notification_id: id, event, ...(event === 'credential_failure' ? { event_description: 'storage full' } : {}) });
      assert.equal(r.status, 204, `${event}: ${JSON.stringify(r.body)}`);
    }
    const unknown = await notify(withEndpoint, accessToken, { notification_id: 'not-issued', event: 'credential_accepted' });
    assert.deepEqual([unknown.status, unknown.body.error], [400, 'invalid_notification_id']);
    const badEvent = await notify(withEndpoint, accessToken, { notification_id: id, event: 'credential_loved' });
    assert.deepEqual([badEvent.status, badEvent.body.error], [400, 'invalid_notification_request']);
    assert.equal((await notify(withEndpoint, undefined, { notification_id: id, event: 'credential_accepted' })).status, 401, 'the access token protects it (§11.1)');

    const expected = ['notification_credential_accepted', 'notification_credential_deleted', 'notification_credential_failure'];
    await waitFor(() => stream.events.length >= 3 && hooks.bodies.filter((b) => b.event.startsWith('notification_')).length >= 3);
    await stream.close();
    for (const channel of [stream.events, hooks.bodies.filter((b) => b.event.startsWith('notification_'))]) {
      assert.deepEqual(
        channel.map((e) => e.event),
        expected,
      );
      assert.deepEqual(channel[2].notification, { notification_id: id, event: 'credential_failure', event_description: 'storage full' });
      assert.equal(channel[0].target, sessionId);
    }
  } finally {
    await withEndpoint.close();
    await hooks.close();
  }
  const cli = await startSandboxCli(['--notification-endpoint']);
  try {
    assert.match((await call(`${cli.url}/.well-known/openid-credential-issuer/openid4vci`)).body.notification_endpoint, /\/openid4vci\/notification$/);
  } finally {
    cli.result.child.kill('SIGTERM');
    await cli.result;
  }
});

/**
 * @param {import('issuer-events').SandboxIssuer} target
 * @param {string | undefined} accessToken
 * @param {Record<string, unknown>} body
 */
function notify(target, accessToken, body) {
  return call(`${target.url}/openid4vci/notification`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}) },
    body: JSON.stringify(body),
  });
}

test('refusals carry the error codes OID4VCI 1.0 defines: missing tx_code, unknown nonce, unknown or not-offered configuration', async () => {
  // §6.3: a tx_code the offer asked for and the request lacks is invalid_request (a wrong one is invalid_grant).
  const created = await createOffer(sandbox, 'openBadgeCredential', { txCode: { length: 4 } });
  const missing = await tokenRequest(sandbox, created.code);
  assert.deepEqual([missing.status, missing.body.error], [400, 'invalid_request']);
  const wrong = await tokenRequest(sandbox, created.code, created.txCodeValue === '0000' ? '1111' : '0000');
  assert.deepEqual([wrong.status, wrong.body.error], [400, 'invalid_grant']);
  // §8.3.1.2: a proof with a nonce the issuer did not hand out is invalid_nonce.
  const key = await holderKey();
  const foreign = await issue(sandbox, 'openBadgeCredential', {
    request: async (_proof, id) => ({ credential_configuration_id: id, proofs: { jwt: [await proofJwt(key, { aud: `${sandbox.url}/openid4vci`, nonce: 'never-issued' })] } }),
  });
  assert.deepEqual([foreign.credential.status, foreign.credential.body.error], [400, 'invalid_nonce']);
  // §8.3.1.2: unknown_credential_configuration; one the metadata lists but the offer did not is
  // walt.id's invalid_credential_request ("…references X, but session … is for Y").
  const unknown = await issue(sandbox, 'openBadgeCredential', { request: (proof) => ({ credential_configuration_id: 'NoSuchCredential', proofs: { jwt: [proof] } }) });
  assert.deepEqual([unknown.credential.status, unknown.credential.body.error], [400, 'unknown_credential_configuration']);
  const other = await issue(sandbox, 'openBadgeCredential', { request: (proof) => ({ credential_configuration_id: 'identity_credential', proofs: { jwt: [proof] } }) });
  assert.deepEqual([other.credential.status, other.credential.body.error], [400, 'invalid_credential_request']);
  assert.match(other.credential.body.error_description, /identity_credential.*OpenBadgeCredential_jwt_vc_json/);
  // Each refused credential request closes its session UNSUCCESSFUL, as walt.id's failCredentialRequest does.
  assert.equal((await call(`${sandbox.url}/issuer2/sessions/${other.created.offerId}`)).body.status, 'UNSUCCESSFUL');
});
