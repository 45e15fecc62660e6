import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { parseNdjson, runCli } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { listen } from '../helpers/http.mjs';
import { startOid4vciDouble } from '../helpers/oid4vci-double.mjs';

/** @type {Awaited<ReturnType<typeof startOid4vciDouble>>} */
let issuer;
before(async () => {
  issuer = await startOid4vciDouble();
});
after(() => issuer.close());

const BOTH = ['OpenBadgeCredential_jwt_vc_json', 'identity_credential'];

test('claims jwt_vc_json and dc+sd-jwt: decoded, signature verified with the issuer key, bound to the holder key', async () => {
  const offer = issuer.createOffer({ configurationIds: BOTH });
  const r = await runInProcess(['claim', offer.credentialOffer, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const [result] = parseNdjson(r.stdout);
  assert.equal(result.kind, 'claim');
  assert.deepEqual(result.offer.credential_configuration_ids, BOTH);
  assert.deepEqual(
    result.steps.map((s) => s.name),
    ['offer', 'issuer-metadata', 'authorization-server-metadata', 'token', 'nonce', 'proof', 'credential', 'decode', 'nonce', 'proof', 'credential', 'decode'],
  );
  assert.ok(result.steps.every((s) => s.status === 'ok' && typeof s.ms === 'number'));
  const [vc, sd] = result.credentials;
  assert.equal(vc.format, 'jwt_vc_json');
  assert.deepEqual(vc.decoded.types, ['VerifiableCredential', 'OpenBadgeCredential']);
  assert.deepEqual(vc.decoded.claims.achievement, { name: 'Test badge' });
  assert.equal(vc.decoded.holderBinding, 'holder-key');
  assert.equal(vc.signature.verified, true);
  assert.match(vc.signature.key, /kid issuer-key-1 from http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwt-vc-issuer\/openid4vci/);
  assert.equal(sd.format, 'dc+sd-jwt');
  assert.deepEqual(
    sd.decoded.disclosures.map((d) => [d.name, d.value]),
    [
      ['given_name', 'Ada'],
      ['family_name', 'Lovelace'],
      ['birthdate', '1815-12-10'],
    ],
  );
  assert.equal(sd.decoded.claims.nationality, 'GB');
  assert.equal(sd.decoded.holderBinding, 'holder-key');
  assert.equal(sd.signature.verified, true);
  // The requests were OID4VCI 1.0: credential_configuration_id and proofs.
  const credentialRequest = JSON.parse(issuer.requests.filter((q) => q.path === '/openid4vci/credential').at(-1).raw);
  assert.equal(credentialRequest.credential_configuration_id, 'identity_credential');
  assert.equal(credentialRequest.proofs.jwt.length, 1);
});

test('pretty output shows each step, the decoded claims and which key verified the signature', async () => {
  const offer = issuer.createOffer({ configurationIds: ['identity_credential'] });
  const r = await runInProcess(['claim', offer.credentialOffer]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /✓ token/);
  assert.match(r.stdout, /^identity_credential \(dc\+sd-jwt\)$/m);
  assert.match(r.stdout, /signature {4}verified with kid issuer-key-1/);
  assert.match(r.stdout, /^ {4}given_name: "Ada"$/m);
  assert.match(r.stdout, /bound to {5}the wallet key/);
});

test('a wrong --tx-code is refused (exit 3, the issuer error shown); the right one then succeeds', async () => {
  const offer = issuer.createOffer({ txCode: '493536' });
  let r = await runInProcess(['claim', offer.credentialOffer, '--tx-code', '000000']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^error: token: the issuer refused: invalid_grant \(tx_code is invalid\)$/m);
  r = await runInProcess(['claim', offer.credentialOffer, '--tx-code', '493536']);
  assert.equal(r.code, 0, r.stderr);
});

test('--tx-code for an offer that asks for none is not sent, and a warning says so', async () => {
  const offer = issuer.createOffer();
  const r = await runInProcess(['claim', offer.credentialOffer, '--tx-code', '493536']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: --tx-code ignored: the offer asks for no transaction code$/m);
  const asked = await runInProcess(['claim', issuer.createOffer({ txCode: '493536' }).credentialOffer, '--tx-code', '493536']);
  assert.equal(asked.code, 0, asked.stderr);
  assert.doesNotMatch(asked.stderr, /warning/);
});

test('offer create --json | claim - uses the offer and its txCodeValue', async () => {
  const offer = issuer.createOffer({ txCode: '1234' });
  const r = await runCli(['claim', '-', '--json'], { input: `${JSON.stringify(offer)}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseNdjson(r.stdout)[0].credentials.length, 1);
  // offer create --json that failed printed its error record: claim says so instead of "no credentialOffer".
  const failed = await runCli(['claim', '-'], { input: '{"kind":"error","code":"E_HTTP_404","message":"profile not found","exit":5}\n' });
  assert.equal(failed.code, 2);
  assert.equal(failed.stderr, 'error: stdin holds an error from offer create, not an offer: profile not found\n');
});

test('--invalid-proof drives the issuer to refuse the proof: exit 3 with invalid_proof', async () => {
  const offer = issuer.createOffer();
  const r = await runInProcess(['claim', offer.credentialOffer, '--invalid-proof']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /error: credential: the issuer refused: invalid_proof \(Proof of possession could not be verified\)/);
});

test('an expired or unknown offer exits 5 at the offer step', async () => {
  const offer = issuer.createOffer();
  issuer.expire(offer.offerId);
  let r = await runInProcess(['claim', offer.credentialOffer]);
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stderr, /\nerror: offer: offer unknown or expired\n$/);
  // An offer id resolves against the issuer's /openid4vci/credential-offer?id=.
  r = await runInProcess(['claim', 'no-such-offer', '--base-url', issuer.url]);
  assert.equal(r.code, 5, r.stderr);
  r = await runInProcess(['claim', issuer.createOffer().offerId, '--base-url', issuer.url]);
  assert.equal(r.code, 0, r.stderr);
});

test('401 on the credential endpoint exits 4', async () => {
  const offer = issuer.createOffer();
  issuer.state.credential401 = true;
  try {
    const r = await runInProcess(['claim', offer.credentialOffer]);
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /error: credential: authentication refused \(401\)/);
  } finally {
    issuer.state.credential401 = false;
  }
});

test('a draft-13 style issuer (format-based request, proof, c_nonce in the token response)', async () => {
  const old = await startOid4vciDouble({ draft13: true });
  try {
    const offer = old.createOffer({ configurationIds: BOTH });
    const r = await runInProcess(['claim', offer.credentialOffer, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const result = parseNdjson(r.stdout)[0];
    assert.deepEqual(
      result.credentials.map((c) => [c.format, c.signature.verified]),
      [
        ['jwt_vc_json', true],
        ['vc+sd-jwt', true],
      ],
    );
    assert.equal(result.steps.filter((s) => s.name === 'nonce').length, 0, 'no nonce endpoint in draft 13');
    const request = JSON.parse(old.requests.find((q) => q.path === '/openid4vci/credential').raw);
    assert.equal(request.format, 'jwt_vc_json');
    assert.equal(request.proof.proof_type, 'jwt');
  } finally {
    await old.close();
  }
});

test('--holder-key binds the credential to that key; --save-credential writes the raw credentials', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-claim-'));
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  writeFileSync(join(dir, 'holder.json'), JSON.stringify(jwk));
  const offer = issuer.createOffer({ configurationIds: ['identity_credential'] });
  const r = await runInProcess(['claim', offer.credentialOffer, '--holder-key', join(dir, 'holder.json'), '--save-credential', join(dir, 'cred.txt'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const result = parseNdjson(r.stdout)[0];
  assert.equal(result.credentials[0].decoded.holderBinding, 'holder-key');
  const saved = readFileSync(join(dir, 'cred.txt'), 'utf8');
  assert.equal(saved, `${result.credentials[0].raw}\n`);
  const header = JSON.parse(Buffer.from(saved.split('.')[0], 'base64url').toString());
  assert.equal(header.typ, 'dc+sd-jwt');
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(jwk.d), 'the private key is never printed');
});

test('-v shows every exchange with tokens and codes masked whole; JSON bodies stay JSON', async () => {
  const offer = issuer.createOffer({ txCode: '55667788' });
  const r = await runInProcess(['claim', offer.credentialOffer, '--tx-code', '55667788', '-v']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /POST http:\/\/127\.0\.0\.1:\d+\/openid4vci\/token → 200/);
  assert.match(r.stderr, /POST http:\/\/127\.0\.0\.1:\d+\/openid4vci\/credential → 200/);
  // No digit of the code and no character of the codes or tokens is shown.
  assert.match(r.stderr, /^ {2}> pre-authorized_code=\[masked\]&.*&tx_code=\[masked\]&/m);
  assert.doesNotMatch(r.stderr, /5566/);
  const tokenResponse = issuer.requests.find((q) => q.path === '/openid4vci/credential' && q.headers.authorization?.includes(' '));
  const accessToken = tokenResponse.headers.authorization.split(' ')[1];
  assert.ok(!r.stderr.includes(accessToken.slice(0, 4)), 'the access token is masked whole');
  const bodies = r.stderr
    .split('\n')
    .filter((line) => /^ {2}< \{/.test(line))
    .map((line) => JSON.parse(line.slice(4)));
  const shownOffer = bodies.find((b) => b.grants);
  assert.deepEqual(shownOffer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'], {
    'pre-authorized_code': '[masked]',
    tx_code: { input_mode: 'numeric', length: 8 },
  });
  assert.equal(bodies.find((b) => b.access_token).access_token, '[masked]');
});

test('bad input: one line naming the step or the problem, the documented exit code, no stack trace', async () => {
  const authOnly = issuer.createOffer({ authorizationCodeOnly: true });
  const needsCode = issuer.createOffer({ txCode: '1234' });
  const byValue = (/** @type {unknown} */ json) => `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(json))}`;
  const offered = { credential_issuer: `${issuer.url}/openid4vci`, credential_configuration_ids: ['identity_credential'] };
  /** @type {[string[], number, RegExp, string?][]} */
  const cases = [
    [['claim'], 2, /^error: missing required argument 'offer'/],
    [['claim', 'openid-credential-offer://?nothing=here'], 2, /^error: malformed offer URI: no credential_offer or credential_offer_uri parameter/],
    [['claim', 'openid-credential-offer://?credential_offer=%7Bnot-json'], 2, /^error: malformed offer URI: credential_offer is not JSON$/],
    [['claim', byValue({})], 2, /^error: offer: malformed credential offer: credential_issuer: expected string, received undefined; credential_configuration_ids: /],
    [['claim', byValue({ ...offered, grants: null })], 2, /^error: offer: malformed credential offer: grants: expected object, received null$/],
    [['claim', byValue(offered)], 2, /^error: offer: the offer has no pre-authorized code grant$/],
    [
      ['claim', '-'],
      2,
      /^error: malformed offer URI: credential_offer is not JSON$/,
      JSON.stringify({ credentialOffer: 'openid-credential-offer://?credential_offer=%7Bnot-json' }),
    ],
    [['claim', 'http://'], 2, /^error: invalid offer URL "http:\/\/": expected an absolute http\(s\) URL \(not an absolute URL\)$/],
    [
      ['claim', 'openid-credential-offer://?credential_offer_uri=foo'],
      2,
      /^error: malformed offer URI: credential_offer_uri is not an absolute http\(s\) URL \(not an absolute URL; did you mean http:\/\/foo\?\)$/,
    ],
    [['claim', authOnly.credentialOffer], 2, /^error: offer: this offer has only an authorization-code grant: it needs a browser login at the issuer/],
    [['claim', needsCode.credentialOffer], 2, /^error: offer: the offer requires a transaction code \(4 digits\): pass --tx-code$/m],
    [['claim', 'http://issuer.example/openid4vci/credential-offer?id=x'], 2, /^error: offer: refusing plain http to issuer\.example/],
    [
      ['claim', 'x', '--base-url', 'http://127.0.0.1:6000'],
      2,
      /^error: cannot fetch http:\/\/127\.0\.0\.1:6000\/openid4vci\/credential-offer\?id=x: port 6000 is blocked by fetch/,
    ],
    [['claim', '-'], 2, /^error: stdin is not the JSON that offer create --json prints$/],
    [
      ['claim', issuer.createOffer().credentialOffer, '--credential', 'nope'],
      2,
      /^error: credential configuration nope is not in the offer \(offered: [^)]+\); --credential takes the offered ones$/,
    ],
    [['claim', issuer.createOffer().credentialOffer, '--holder-key', '/no/such/key.json'], 2, /^error: cannot read holder key \/no\/such\/key\.json: ENOENT$/m],
  ];
  for (const [args, code, pattern, stdin] of cases) {
    // `claim -` reads the process's stdin: those lines are spawned.
    const r = stdin === undefined && !args.includes('-') ? await runInProcess(args) : await runCli(args, { input: stdin ?? '' });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    assert.equal(errors.length, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(errors[0], pattern, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('an offer the issuer serves malformed is its protocol failure: exit 1 naming what is wrong', async () => {
  const served = await listen((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ credential_issuer: 'http://127.0.0.1:1/openid4vci', credential_configuration_ids: 'not-a-list' }));
  });
  try {
    const r = await runInProcess(['claim', `${served.url}/credential-offer?id=x`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: offer: malformed answer from the issuer: credential_configuration_ids: expected array, received string$/m);
  } finally {
    await served.close();
  }
});

test('one credential takes well under a second of wall time against a local issuer', async () => {
  const offer = issuer.createOffer();
  const r = await runInProcess(['claim', offer.credentialOffer, '--json'], { timed: true });
  const ms = r.activeMs;
  assert.equal(r.code, 0, r.stderr);
  // Generous bound for a shared machine (and the time spent waiting for a CPU does not count); the
  // measured figure is in BENCHMARKS.md.
  assert.ok(ms < 5000, `claim took ${ms} ms`);
});
