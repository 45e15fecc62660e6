import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setGlobalConfig } from '@openid4vc/openid4vci';
import { IssuerSigned } from '@owf/mdoc';
import { digest, ES256 } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { OpenID4VCIClient } from '@sphereon/oid4vci-client';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from 'jose';
import { mdocContext } from '../../dist/shared/mdoc-context.js';
import { BUILT_IN_PROFILES } from 'issuer-events';
import { call, createOffer, holderKey, OID4VCI_FORMAT, owfClient, startSandbox, startSandboxCli } from '../helpers/sandbox.mjs';

// Wallets the sandbox shares no code with, as oracles: Sphereon's OpenID4VCIClient (0.20.1) and
// the OpenWallet Foundation client. What they receive is verified here, independently, against
// what the sandbox publishes (its JWKS, the certificate in x5c / x5chain).

/** Every built-in profile, with the OID4VCI format its configuration advertises. */
const PROFILES = BUILT_IN_PROFILES.map((p) => [p.id, OID4VCI_FORMAT[p.format]]);

/** @type {{ url: string, result: any, stderr: () => string }} */
let cli;
before(async () => {
  // Sphereon's client builds `<issuer>/.well-known/openid-credential-issuer` (the appended,
  // draft-13 form) and, on a 404, guesses the endpoints: it needs --legacy-well-known.
  cli = await startSandboxCli(['--legacy-well-known', '--notification-endpoint']);
});
after(async () => {
  cli.result.child.kill('SIGTERM');
  await cli.result;
});

for (const [profileId, format] of PROFILES) {
  test(`Sphereon's OpenID4VCIClient claims ${profileId} (${format}) with a tx code from sandbox --legacy-well-known, and notifies; the credential verifies against the published key and binds the holder`, async () => {
    const created = await createOffer(/** @type {any} */ (cli), profileId, { txCode: { length: 6 } });
    const key = await holderKey();
    const client = await OpenID4VCIClient.fromURI({ uri: created.credentialOffer, retrieveServerMetadata: true });
    assert.equal(client.getAccessTokenEndpoint(), `${cli.url}/openid4vci/token`, 'from the metadata, not guessed');
    await client.acquireAccessToken({ pin: created.txCodeValue });
    const response = await client.acquireCredentials({
      credentialTypes: [],
      format: /** @type {any} */ (format),
      jwk: /** @type {any} */ (key.publicJwk),
      alg: 'ES256',
      proofCallbacks: { signCallback: async (jwt) => new SignJWT(/** @type {any} */ (jwt.payload)).setProtectedHeader(/** @type {any} */ (jwt.header)).sign(key.privateKey) },
    });
    const raw = /** @type {any} */ (response).credentials[0].credential;
    const jwks = (await call(`${cli.url}/openid4vci/jwks`)).body;
    const bound = await verifyCredential(format, raw, jwks, profileId);
    assert.deepEqual([bound.x, bound.y], [key.publicJwk.x, key.publicJwk.y], 'bound to the holder key');

    const notificationEndpoint = client.endpointMetadata.credentialIssuerMetadata?.notification_endpoint;
    assert.equal(notificationEndpoint, `${cli.url}/openid4vci/notification`);
    const notified = await client.sendNotification({ notificationEndpoint }, { notification_id: response.notification_id, event: 'credential_accepted' });
    assert.equal(notified.error, false, JSON.stringify(notified.response));
  });
}

test('Sphereon against the sandbox without --legacy-well-known: 404 at the appended path, guessed endpoints, no credential', async () => {
  /** @type {string[]} */
  const requests = [];
  const sandbox = await startSandbox({ log: (/** @type {string} */ line) => requests.push(line) });
  try {
    const created = await createOffer(sandbox, 'openBadgeCredential');
    const client = await OpenID4VCIClient.fromURI({ uri: created.credentialOffer, retrieveServerMetadata: true });
    assert.ok(
      requests.some((line) => line.startsWith('GET /openid4vci/.well-known/openid-credential-issuer → 404')),
      requests.join('\n'),
    );
    assert.equal(client.endpointMetadata.credentialIssuerMetadata?.nonce_endpoint, undefined, 'no metadata where Sphereon looks, so no nonce endpoint');
    const key = await holderKey();
    await client.acquireAccessToken({});
    await assert.rejects(
      client.acquireCredentials({
        credentialTypes: [],
        format: 'jwt_vc_json',
        jwk: /** @type {any} */ (key.publicJwk),
        alg: 'ES256',
        proofCallbacks: { signCallback: async (jwt) => new SignJWT(/** @type {any} */ (jwt.payload)).setProtectedHeader(/** @type {any} */ (jwt.header)).sign(key.privateKey) },
      }),
      /failed with status: 400/,
      'without the nonce endpoint of the metadata, the proof carries no nonce the sandbox issued',
    );
  } finally {
    await sandbox.close();
  }
});

test('the OWF client binds to a did:jwk (signer method did) and sends a notification (OID4VCI §11)', async () => {
  setGlobalConfig({ allowInsecureUrls: true });
  const sandbox = await startSandbox({ notificationEndpoint: true });
  try {
    const key = await holderKey();
    const did = `did:jwk:${Buffer.from(JSON.stringify(key.publicJwk)).toString('base64url')}`;
    const client = owfClient(key);
    const created = await createOffer(sandbox, 'openBadgeCredential');
    const offer = await client.resolveCredentialOffer(created.credentialOffer);
    const issuerMetadata = await client.resolveIssuerMetadata(offer.credential_issuer);
    const token = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer: offer, issuerMetadata });
    const { c_nonce } = await client.requestNonce({ issuerMetadata });
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId: created.configurationId,
      nonce: c_nonce,
      signer: { method: 'did', didUrl: `${did}#0`, alg: 'ES256' },
    });
    assert.equal(decodeProtectedHeader(jwt).kid, `${did}#0`);
    const accessToken = token.accessTokenResponse.access_token;
    const { credentialResponse } = await client.retrieveCredentials({ issuerMetadata, accessToken, credentialConfigurationId: created.configurationId, proofs: { jwt: [jwt] } });
    const raw = /** @type {any} */ (credentialResponse).credentials[0].credential;
    await verifyCredential('jwt_vc_json', raw, (await call(`${sandbox.url}/openid4vci/jwks`)).body, 'openBadgeCredential');
    assert.equal(decodeJwt(raw).sub, did, 'the subject is the DID the proof named');
    const notification = { notificationId: /** @type {any} */ (credentialResponse).notification_id, event: /** @type {const} */ ('credential_accepted') };
    const sent = await client.sendNotification({ issuerMetadata, accessToken, notification });
    assert.equal(sent.response.status, 204);
  } finally {
    await sandbox.close();
  }
});

/**
 * Verifies the issuer's signature with what the sandbox publishes and returns the key the
 * credential is bound to. jwt_vc_json: the JWKS key its kid names; dc+sd-jwt: the x5c
 * certificate, which must hold the JWKS key its kid names (@sd-jwt/sd-jwt-vc verifies the
 * disclosures too); mso_mdoc: the x5chain certificate (@owf/mdoc checks every digest).
 */
async function verifyCredential(format, raw, jwks, profileId) {
  if (format === 'mso_mdoc') {
    const signed = IssuerSigned.fromEncodedForOid4Vci(raw);
    await signed.verify({ trustedCertificates: [signed.issuerAuth.certificate] }, mdocContext);
    const certificateKey = new X509Certificate(Buffer.from(signed.issuerAuth.certificate)).publicKey.export({ format: 'jwk' });
    assert.equal(certificateKey.x, jwks.keys[0].x, 'the x5chain certificate holds the published key');
    assert.equal(/** @type {any} */ (signed.getPrettyClaims('org.iso.18013.5.1')).family_name, 'Doe');
    return /** @type {any} */ (signed.issuerAuth.mobileSecurityObject.deviceKeyInfo.deviceKey.jwk);
  }
  const issuerJwt = raw.split('~')[0];
  const header = decodeProtectedHeader(issuerJwt);
  const published = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(published, `the kid ${header.kid} names a key in the JWKS`);
  if (format === 'jwt_vc_json') {
    const { payload } = await jwtVerify(issuerJwt, await importJWK(published, 'ES256'));
    assert.deepEqual(/** @type {any} */ (payload.vc).type, BUILT_IN_PROFILES.find((p) => p.id === profileId)?.type);
    assert.equal(/** @type {any} */ (payload.vc).credentialSubject.id, payload.sub);
    return JSON.parse(Buffer.from(String(payload.sub).slice('did:jwk:'.length).split('#')[0], 'base64url').toString());
  }
  const certificateKey = new X509Certificate(Buffer.from(/** @type {string[]} */ (header.x5c)[0], 'base64')).publicKey.export({ format: 'jwk' });
  assert.deepEqual([certificateKey.x, certificateKey.y], [published.x, published.y], 'x5c and kid name the same key');
  const sdjwt = new SDJwtVcInstance({ verifier: await ES256.getVerifier(certificateKey), hasher: digest });
  const { payload } = await sdjwt.verify(raw);
  assert.equal(payload.given_name, 'John', 'the disclosures verify and disclose');
  return /** @type {any} */ (payload.cnf).jwk;
}
