import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { ExitCode } from '../../dist/errors.js';
import { claimOffer } from '../../dist/wallet/claim.js';
import { ClaimError, UntrustedCredentialError } from '../../dist/wallet/errors.js';
import { offerReference } from '../../dist/wallet/offer-input.js';
import { listen } from '../helpers/http.mjs';
import { startOid4vciDouble } from '../helpers/oid4vci-double.mjs';

// The wallet's engine in-process against the hand-written OID4VCI double: what a claim returns,
// what its reporter sees, and the ClaimError (step, code, exit code, kind) of each way it fails.

/** @type {Awaited<ReturnType<typeof startOid4vciDouble>>} */
let issuer;
before(async () => {
  issuer = await startOid4vciDouble();
});
after(() => issuer.close());

const dir = mkdtempSync(join(tmpdir(), 'wallet-claim-'));

/** Awaits a rejection and returns the error, for assertions on its fields. */
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return /** @type {any} */ (error);
  }
  assert.fail('expected the claim to fail');
}

test('a claim succeeds with verified credentials bound to the holder key; the reporter sees every step in order', async () => {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const keyFile = join(dir, 'holder.jwk');
  writeFileSync(keyFile, JSON.stringify(privateJwk));
  const { x, y } = privateJwk;
  /** @type {{ name: string, status: string }[]} */
  const steps = [];
  const exchanges = [];
  const offer = issuer.createOffer({ configurationIds: ['OpenBadgeCredential_jwt_vc_json', 'identity_credential'] });
  const result = await claimOffer(
    { offer: offer.credentialOffer, holderKeyFile: keyFile },
    { step: (s) => steps.push({ name: s.name, status: s.status }), exchange: (e) => exchanges.push(`${e.method} ${new URL(e.url).pathname} ${e.status}`) },
  );
  const perCredential = ['nonce', 'proof', 'credential', 'decode'];
  assert.deepEqual(
    steps.map((s) => s.name),
    ['offer', 'issuer-metadata', 'authorization-server-metadata', 'token', ...perCredential, ...perCredential],
  );
  assert.ok(steps.every((s) => s.status === 'ok'));
  assert.deepEqual(
    result.steps.map((s) => s.name),
    steps.map((s) => s.name),
    'the result holds the steps the reporter saw',
  );
  assert.equal(result.credentialIssuer, `${issuer.url}/openid4vci`);
  assert.deepEqual(
    result.credentials.map((c) => [c.configurationId, c.format, c.signature.verified, c.trust.status]),
    [
      ['OpenBadgeCredential_jwt_vc_json', 'jwt_vc_json', true, 'trusted'],
      ['identity_credential', 'dc+sd-jwt', true, 'trusted'],
    ],
  );
  // Bound to the key in the file: the double put that key's did:jwk in sub, and its jwk in cnf.
  const jwt = JSON.parse(Buffer.from(result.credentials[0].raw.split('.')[1], 'base64url').toString('utf8'));
  const did = JSON.parse(Buffer.from(jwt.sub.slice('did:jwk:'.length), 'base64url').toString('utf8'));
  assert.deepEqual([did.x, did.y], [x, y]);
  assert.ok(issuer.proofHeaders.every((h) => h.jwk.x === x && h.jwk.y === y && h.jwk.d === undefined));
  // Each exchange of the protocol is reported once it is over.
  assert.ok(exchanges.includes('POST /openid4vci/token 200'), exchanges.join('\n'));
  assert.equal(exchanges.filter((e) => e.startsWith('POST /openid4vci/credential ')).length, 2);
});

test('a wrong tx code is the issuer refusing at the token step (exit 3, invalid_grant); the right one is then claimed', async () => {
  const offer = issuer.createOffer({ txCode: '493536' });
  const steps = [];
  const error = await rejection(claimOffer({ offer: offer.credentialOffer, txCode: '000000' }, { step: (s) => steps.push(`${s.name} ${s.status}`) }));
  assert.ok(error instanceof ClaimError, String(error));
  assert.equal(error.step, 'token');
  assert.equal(error.code, 'E_CLAIM_TOKEN');
  assert.equal(error.exitCode, ExitCode.UNSUCCESSFUL);
  assert.equal(error.kind, undefined);
  assert.equal(error.status, 400);
  assert.deepEqual(error.oauthError, { error: 'invalid_grant', error_description: 'tx_code is invalid' });
  assert.equal(error.message, 'token: the issuer refused: invalid_grant (tx_code is invalid)');
  assert.equal(steps.at(-1), 'token failed');
  // Without a tx code the offer is refused before the token request: bad input, exit 2.
  const missing = await rejection(claimOffer({ offer: offer.credentialOffer }));
  assert.equal(missing.step, 'offer');
  assert.equal(missing.exitCode, ExitCode.USAGE);
  // In the wallet's words; which flag gives the code is the CLI's to say (cli/flag-hints.ts).
  assert.equal(missing.message, 'offer: the offer requires a transaction code (6 digits)');
  assert.equal(missing.kind, 'tx-code-missing');
  const ok = await claimOffer({ offer: offer.credentialOffer, txCode: '493536' });
  assert.equal(ok.credentials[0].trust.status, 'trusted');
});

test('a tx code for an offer that asks for none is not sent, and the reporter is told', async () => {
  issuer.reset();
  let told = 0;
  await claimOffer({ offer: issuer.createOffer().credentialOffer, txCode: '1234' }, { unusedTxCode: () => told++ });
  assert.equal(told, 1);
  const token = issuer.requests.find((r) => r.path === '/openid4vci/token');
  assert.equal(new URLSearchParams(token?.raw).has('tx_code'), false);
});

test('the deadline timeoutMs ends a claim waiting on an issuer that never answers: exit 124, kind deadline, the step it was at', async () => {
  // The token endpoint accepts the request and never answers.
  issuer.state.route = (_req, _res, url) => (url.pathname === '/openid4vci/token' ? new Promise(() => {}) : false);
  try {
    const started = performance.now();
    const error = await rejection(claimOffer({ offer: issuer.createOffer().credentialOffer, timeoutMs: 250 }));
    const ms = performance.now() - started;
    assert.ok(error instanceof ClaimError, String(error));
    assert.equal(error.kind, 'deadline');
    assert.equal(error.exitCode, ExitCode.TIMEOUT);
    assert.equal(error.step, 'token');
    assert.equal(error.message, 'token: the claim did not finish within 250ms');
    // Well before the 30 s request bound: the deadline ended it (generous for a busy machine).
    assert.ok(ms >= 240 && ms < 10_000, `${ms} ms`);
  } finally {
    issuer.reset();
  }
  // An offer URL on a server that accepts connections and never answers: the offer step.
  const silent = await listen(() => {});
  try {
    const offer = offerReference(`${silent.url}/openid4vci/credential-offer?id=x`, { baseUrl: silent.url });
    const error = await rejection(claimOffer({ offer, timeoutMs: 200 }));
    assert.equal(error.kind, 'deadline');
    assert.equal(error.step, 'offer');
    assert.equal(error.exitCode, 124);
  } finally {
    await silent.close();
  }
});

test('a credential the issuer did not sign is received but not trusted: UntrustedCredentialError (exit 6) carrying the result', async () => {
  const { privateKey } = await generateKeyPair('ES256');
  issuer.state.issue = ({ holder, tools }) => {
    const { did, ...jwk } = holder;
    const sub = did ?? `did:jwk:${tools.b64url(JSON.stringify(jwk))}`;
    // The issuer's kid and iss, another key's signature.
    return tools.sign({ iss: tools.base, sub, vc: { type: ['VerifiableCredential'], credentialSubject: { id: sub } } }, { kid: tools.kid, typ: 'JWT' }, privateKey);
  };
  try {
    const error = await rejection(claimOffer({ offer: issuer.createOffer().credentialOffer, allowUnverified: true }));
    assert.ok(error instanceof UntrustedCredentialError, String(error));
    assert.equal(error.exitCode, ExitCode.INVALID_SIGNATURE);
    assert.equal(error.step, 'decode');
    assert.notEqual(error.kind, 'key-not-found', '--allow-unverified never admits a signature that fails');
    assert.match(error.message, /^decode: OpenBadgeCredential_jwt_vc_json \(jwt_vc_json\) cannot be trusted: /);
    const result = /** @type {any} */ (error.result);
    assert.equal(result.credentials.length, 1);
    assert.equal(result.credentials[0].signature.verified, false);
    assert.equal(result.credentials[0].trust.status, 'untrusted');
  } finally {
    issuer.reset();
  }
});

test('holder key files: a public JWK, a non-JWK and a missing file are refused as bad input before any request', async () => {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicFile = join(dir, 'public.jwk');
  writeFileSync(publicFile, JSON.stringify(await exportJWK(publicKey)));
  const textFile = join(dir, 'not-json.jwk');
  writeFileSync(textFile, '-----BEGIN PRIVATE KEY-----');
  issuer.reset();
  const offer = issuer.createOffer().credentialOffer;
  const cases = [
    [publicFile, `holder key ${publicFile} must be a private EC or OKP JWK (with "d")`],
    [textFile, `cannot read holder key ${textFile}: not a JSON Web Key`],
    [join(dir, 'absent.jwk'), `cannot read holder key ${join(dir, 'absent.jwk')}: ENOENT`],
  ];
  for (const [file, message] of cases) {
    const error = await rejection(claimOffer({ offer, holderKeyFile: file }));
    assert.equal(error.code, 'E_USAGE', file);
    assert.equal(error.exitCode, ExitCode.USAGE, file);
    assert.equal(error.message, message);
  }
  assert.equal(issuer.requests.length, 0, 'nothing was sent');
});

test('offerReference: URIs, offer URLs, ids and by-value offers become what the claim takes; malformed ones are bad input', () => {
  const issuerAt = { baseUrl: 'http://127.0.0.1:7005' };
  const byValue = `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify({ credential_issuer: 'https://i.example' }))}`;
  const asIs = [
    'openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo%3Fid%3D1',
    byValue,
    // A wallet's own scheme, and an https link that carries the offer in its query.
    'haip://?credential_offer_uri=https%3A%2F%2Fi.example%2Fo',
    'https://wallet.example/claim?credential_offer_uri=https%3A%2F%2Fi.example%2Fo',
  ];
  for (const uri of asIs) assert.equal(offerReference(`  ${uri}\n`, issuerAt), uri);
  const wrapped = (url) => `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(url)}`;
  assert.equal(offerReference('https://i.example/openid4vci/credential-offer?id=abc', issuerAt), wrapped('https://i.example/openid4vci/credential-offer?id=abc'));
  assert.equal(offerReference('abc-123_x.y~', issuerAt), wrapped('http://127.0.0.1:7005/openid4vci/credential-offer?id=abc-123_x.y~'));
  assert.equal(
    offerReference('s1', { baseUrl: 'https://issuer.example/', target: 'tenant.issuer' }),
    wrapped('https://issuer.example/v2/tenant.issuer/issuer-service-api/openid4vci/credential-offer?id=s1'),
  );
  const refused = [
    ['', /^empty offer/],
    ['   ', /^empty offer/],
    ['openid-credential-offer://?foo=1', /^malformed offer URI: no credential_offer or credential_offer_uri parameter in openid-credential-offer:/],
    ['openid-credential-offer://?credential_offer=%7Bnot-json', /^malformed offer URI: credential_offer is not JSON$/],
    [
      'openid-credential-offer://?credential_offer_uri=ftp%3A%2F%2Fx',
      /^malformed offer URI: credential_offer_uri is not an absolute http\(s\) URL \(expected http or https, not ftp\)$/,
    ],
    ['openid-credential-offer://?credential_offer_uri=nope', /credential_offer_uri is not an absolute http\(s\) URL \(not an absolute URL/],
    ['an offer id with spaces', /^malformed offer "an offer id with spaces": not a URI, a URL or an offer id$/],
  ];
  for (const [input, message] of refused) {
    assert.throws(() => offerReference(/** @type {string} */ (input), issuerAt), { code: 'E_USAGE', exitCode: 2, message }, JSON.stringify(input));
  }
});

test('an offer by value that is not an offer is bad input (exit 2); one the issuer serves malformed is its failure (exit 1)', async () => {
  const bad = `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify({ credential_issuer: 'http://127.0.0.1:1/x', grants: null }))}`;
  const byValue = await rejection(claimOffer({ offer: bad }));
  assert.equal(byValue.step, 'offer');
  assert.equal(byValue.exitCode, ExitCode.USAGE);
  assert.match(byValue.message, /^offer: malformed credential offer: /);
  issuer.state.route = (_req, res, url) => {
    if (url.pathname !== '/openid4vci/credential-offer') return false;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"credential_issuer":42}');
    return true;
  };
  try {
    const served = await rejection(claimOffer({ offer: issuer.createOffer().credentialOffer }));
    assert.equal(served.step, 'offer');
    assert.equal(served.exitCode, ExitCode.FAILURE);
    assert.match(served.message, /^offer: malformed answer from the issuer: /);
  } finally {
    issuer.reset();
  }
});
