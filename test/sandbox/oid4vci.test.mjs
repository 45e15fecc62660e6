import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setGlobalConfig } from '@openid4vc/openid4vci';
import { IssuerSigned } from '@owf/mdoc';
import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { BUILT_IN_PROFILES, loadProfiles, SandboxIssuer } from 'issuer-events';
import { OID4VCI_FORMAT, owfClient } from '../helpers/sandbox.mjs';
import { parseNdjson } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { mdocContext } from '../../dist/shared/mdoc-context.js';

// A third-party wallet — the OpenWallet Foundation client, not this project's claim code —
// claims every format from the sandbox, and checks what it got with jose and @owf/mdoc.

/** @type {SandboxIssuer} */
let sandbox;
before(async () => {
  sandbox = new SandboxIssuer({ host: '127.0.0.1', port: 0, profiles: loadProfiles(), eventNames: 'current' });
  await sandbox.start();
  setGlobalConfig({ allowInsecureUrls: true });
});
after(() => sandbox.close());

/** @returns {Promise<any>} */
async function getJson(url, init = undefined) {
  return (await fetch(url, init)).json();
}

/** @returns {Promise<any>} */
async function offer(profileId, extra = {}) {
  const res = await fetch(`${sandbox.url}/issuer2/credential-offers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ profileId, authMethod: 'PRE_AUTHORIZED', ...extra }),
  });
  assert.equal(res.status, 201);
  return res.json();
}

async function owfWallet() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const client = owfClient({ privateKey, publicJwk });
  return { client, publicJwk };
}

// Every built-in profile, with the OID4VCI format its configuration advertises.
for (const [profileId, format] of BUILT_IN_PROFILES.map((p) => [p.id, OID4VCI_FORMAT[p.format]])) {
  test(`the OWF Openid4vciClient claims ${profileId} (${format}) with a tx code; signature and holder binding check out`, async () => {
    const created = await offer(profileId, { txCode: { length: 6 } });
    const { client, publicJwk } = await owfWallet();
    const credentialOffer = await client.resolveCredentialOffer(created.credentialOffer);
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
    assert.equal(issuerMetadata.originalDraftVersion, 'V1', 'an OID4VCI 1.0 issuer (credential_metadata)');
    const token = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, txCode: created.txCodeValue });
    const { c_nonce } = await client.requestNonce({ issuerMetadata });
    const configurationId = credentialOffer.credential_configuration_ids[0];
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId: configurationId,
      nonce: c_nonce,
      signer: { method: 'jwk', alg: 'ES256', publicJwk: /** @type {any} */ (publicJwk) },
    });
    const response = await client.retrieveCredentials({
      issuerMetadata,
      accessToken: token.accessTokenResponse.access_token,
      credentialConfigurationId: configurationId,
      proofs: { jwt: [jwt] },
    });
    const credential = /** @type {any} */ (response.credentialResponse).credentials[0].credential;
    assert.equal(issuerMetadata.credentialIssuer.credential_configurations_supported[configurationId].format, format);
    const jwks = await getJson(`${sandbox.url}/openid4vci/jwks`);
    if (format === 'mso_mdoc') {
      const issuerSigned = IssuerSigned.fromEncodedForOid4Vci(credential);
      assert.equal(issuerSigned.issuerAuth.mobileSecurityObject.docType, 'org.iso.18013.5.1.mDL');
      assert.equal(/** @type {any} */ (issuerSigned.getPrettyClaims('org.iso.18013.5.1')).family_name, 'Doe');
      await issuerSigned.verify({ trustedCertificates: [issuerSigned.issuerAuth.certificate] }, mdocContext);
      // The certificate carries the key the sandbox publishes.
      const certKey = new X509Certificate(Buffer.from(issuerSigned.issuerAuth.certificate)).publicKey.export({ format: 'jwk' });
      assert.equal(certKey.x, jwks.keys[0].x);
      const deviceKey = /** @type {any} */ (issuerSigned.issuerAuth.mobileSecurityObject.deviceKeyInfo.deviceKey.jwk);
      assert.deepEqual([deviceKey.x, deviceKey.y], [publicJwk.x, publicJwk.y], 'bound to the holder key');
      return;
    }
    const issuerJwt = credential.split('~')[0];
    const key = jwks.keys.find((k) => k.kid === decodeProtectedHeader(issuerJwt).kid);
    assert.ok(key, 'the kid names a key in the sandbox JWKS');
    const { payload } = await jwtVerify(issuerJwt, await importJWK(key, 'ES256'));
    const protectedHeader = decodeProtectedHeader(issuerJwt);
    assert.equal(payload.iss, `${sandbox.url}/openid4vci`);
    if (format === 'dc+sd-jwt') {
      assert.equal(protectedHeader.typ, 'dc+sd-jwt');
      assert.deepEqual(/** @type {any} */ (payload.cnf).jwk, publicJwk, 'bound to the holder key');
      const disclosures = credential
        .split('~')
        .slice(1, -1)
        .map((d) => JSON.parse(Buffer.from(d, 'base64url').toString()));
      assert.deepEqual(disclosures.map((d) => d[1]).sort(), ['birthdate', 'email', 'family_name', 'given_name', 'is_over_18', 'phone_number']);
    } else {
      const subject = `did:jwk:${Buffer.from(JSON.stringify({ kty: publicJwk.kty, crv: publicJwk.crv, x: publicJwk.x, y: publicJwk.y })).toString('base64url')}`;
      assert.equal(payload.sub, subject, 'bound to the holder key');
      assert.deepEqual(/** @type {any} */ (payload.vc).type, BUILT_IN_PROFILES.find((p) => p.id === profileId)?.type);
    }
  });
}

test('issuer-events claim claims every sandbox profile and verifies each signature', async () => {
  for (const profileId of ['openBadgeCredential', 'universityDegree', 'identityCredentialSdJwt', 'isoMdl']) {
    const created = await offer(profileId, { runtimeOverrides: profileId === 'identityCredentialSdJwt' ? { credentialData: { given_name: 'Ada' } } : undefined });
    const r = await runInProcess(['claim', created.credentialOffer, '--json']);
    assert.equal(r.code, 0, `${profileId}: ${r.stderr}`);
    const [result] = parseNdjson(r.stdout);
    const [credential] = result.credentials;
    assert.equal(credential.signature.verified, true, `${profileId}: ${credential.signature.reason}`);
    assert.equal(credential.decoded.holderBinding, 'holder-key');
    if (profileId === 'identityCredentialSdJwt') assert.equal(credential.decoded.claims.given_name, 'Ada', 'credentialData override applied');
  }
});

test('offer create --claim: one command for a whole smoke test, exit code from the session outcome', async () => {
  let r = await runInProcess(['offer', 'create', '--base-url', sandbox.url, '--profile', 'identityCredentialSdJwt', '--claim', '--json', '--timeout', '30s']);
  assert.equal(r.code, 0, r.stderr);
  const lines = parseNdjson(r.stdout);
  assert.deepEqual(
    lines.filter((l) => l.source === 'sse').map((l) => l.type),
    ['credential_offer_retrieved', 'token_request_pre_authorized_code_succeeded', 'credential_request_sd_jwt_vc_succeeded'],
  );
  assert.equal(lines.find((l) => l.kind === 'claim').credentials[0].format, 'dc+sd-jwt');
  r = await runInProcess(['offer', 'create', '--base-url', sandbox.url, '--profile', 'openBadgeCredential', '--claim', '--invalid-proof', '--timeout', '30s']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /credential_request_w3c_vc_failed\s+UNSUCCESSFUL/);
  assert.match(r.stderr, /error: credential: the issuer refused: invalid_proof/);
  r = await runInProcess([
    'offer',
    'create',
    '--base-url',
    sandbox.url,
    '--profile',
    'openBadgeCredential',
    '--tx-code',
    '123456',
    '--claim',
    '--claim-tx-code',
    '654321',
    '--timeout',
    '30s',
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /token_request_pre_authorized_code_failed/);
  assert.match(r.stderr, /error: token: the issuer refused: invalid_grant \(tx_code is invalid\)/);
});

test('offer create --claim --json: the offer record first, then the events and the claim; a failure ends with an error record', async () => {
  const create = ['offer', 'create', '--base-url', sandbox.url, '--json', '--timeout', '30s'];
  let r = await runInProcess([...create, '--profile', 'openBadgeCredential', '--claim']);
  assert.equal(r.code, 0, r.stderr);
  let lines = parseNdjson(r.stdout);
  // The offer record is what `offer create --json` prints: the server's response with its kind.
  assert.equal(lines[0].kind, 'offer');
  assert.equal(typeof lines[0].offerId, 'string');
  assert.match(lines[0].credentialOffer, /^openid-credential-offer:\/\//);
  assert.deepEqual(
    Object.keys(lines[0]).sort(),
    Object.keys(await offer('openBadgeCredential'))
      .concat('kind')
      .sort(),
  );
  assert.ok(lines.some((l) => l.kind === 'claim'));
  assert.ok(lines.some((l) => l.source === 'sse' && l.sessionId === lines[0].offerId));
  assert.equal(
    lines.some((l) => l.kind === 'error'),
    false,
  );

  // The issuer refuses the wallet's code: the records so far, then one error record, last.
  r = await runInProcess([...create, '--profile', 'openBadgeCredential', '--tx-code', '123456', '--claim', '--claim-tx-code', '654321']);
  assert.equal(r.code, 3, r.stderr);
  lines = parseNdjson(r.stdout);
  assert.equal(lines[0].kind, 'offer');
  assert.ok(lines.some((l) => l.type === 'token_request_pre_authorized_code_failed'));
  assert.deepEqual(lines.at(-1), {
    kind: 'error',
    code: 'E_CLAIM_TOKEN',
    message: 'token: the issuer refused: invalid_grant (tx_code is invalid)',
    exit: 3,
  });
  assert.equal(lines.filter((l) => l.kind === 'error').length, 1);
  assert.match(r.stderr, /^error: token: the issuer refused: invalid_grant \(tx_code is invalid\)$/m);

  // No offer at all: the error record is the only line.
  r = await runInProcess([...create, '--profile', 'noSuchProfile', '--claim']);
  assert.equal(r.code, 5, r.stderr);
  lines = parseNdjson(r.stdout);
  assert.equal(lines.length, 1, r.stdout);
  assert.equal(lines[0].kind, 'error');
  assert.equal(lines[0].exit, 5);
  assert.equal(lines[0].code, 'E_HTTP_404');
});

test('offer create: --claim-tx-code is warned about when the offer asks for no code, or when there is no --claim', async () => {
  const create = ['offer', 'create', '--base-url', sandbox.url, '--profile', 'openBadgeCredential', '--timeout', '30s'];
  let r = await runInProcess([...create, '--claim', '--claim-tx-code', '654321']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: --claim-tx-code ignored: the offer asks for no transaction code \(add --tx-code to ask for one\)$/m);
  // With a report (--junit, or any run in a GitHub Actions step) the wallet's reporter is wrapped: still warned.
  const junit = join(mkdtempSync(join(tmpdir(), 'ie-junit-')), 'report.xml');
  r = await runInProcess([...create, '--claim', '--claim-tx-code', '654321', '--junit', junit]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: --claim-tx-code ignored: the offer asks for no transaction code/m);
  r = await runInProcess([...create, '--claim-tx-code', '654321', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, 'warning: --claim-tx-code has no effect without --claim\n');
});

test('--public-url goes into offers and metadata (a phone on the LAN scans the QR code)', async () => {
  const lan = new SandboxIssuer({ host: '127.0.0.1', port: 0, profiles: loadProfiles(), eventNames: 'current', publicUrl: 'http://192.0.2.10:7005' });
  await lan.start();
  try {
    const res = await getJson(`${lan.url}/issuer2/credential-offers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ profileId: 'isoMdl', authMethod: 'PRE_AUTHORIZED' }),
    });
    assert.match(res.credentialOffer, /credential_offer_uri=http%3A%2F%2F192\.0\.2\.10%3A7005%2Fopenid4vci%2Fcredential-offer/);
    const metadata = await getJson(`${lan.url}/.well-known/openid-credential-issuer/openid4vci`);
    assert.equal(metadata.credential_issuer, 'http://192.0.2.10:7005/openid4vci');
    assert.equal(metadata.credential_endpoint, 'http://192.0.2.10:7005/openid4vci/credential');
  } finally {
    await lan.close();
  }
});
