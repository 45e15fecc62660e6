// The wallet trusts only what it verified (issue 25, findings 1–8): `claim` against a hostile
// issuer — the OID4VCI double with its hooks set for one test, and sink servers on 127.0.0.1
// that record whatever a redirect makes the wallet send them.
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { listen, readBody } from '../helpers/http.mjs';
import { parseNdjson } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import * as redact from '../../dist/shared/redact.js';
import { startOid4vciDouble } from '../helpers/oid4vci-double.mjs';
import { certificate, keyPair, pem } from '../helpers/x509.mjs';

/** @type {Awaited<ReturnType<typeof startOid4vciDouble>>} */
let issuer;
/** Another origin on loopback: records every request a redirect sends it. */
/** @type {Awaited<ReturnType<typeof listen>>} */
let sink;
/** @type {{ method?: string, url?: string, headers: import('node:http').IncomingHttpHeaders, raw: string }[]} */
const sunk = [];

before(async () => {
  issuer = await startOid4vciDouble();
  sink = await listen(async (req, res) => {
    sunk.push({ method: req.method, url: req.url, headers: req.headers, raw: (await readBody(req)).toString('utf8') });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"secret":"from the sink"}');
  });
});
afterEach(() => {
  issuer.reset();
  sunk.length = 0;
});
after(async () => {
  await issuer.close();
  await sink.close();
});

/** Answers one route of the double with a redirect to `location`. */
function redirect(method, path, status, location) {
  issuer.state.route = (req, res, url) => {
    if (req.method !== method || url.pathname !== path) return false;
    res.writeHead(status, { location });
    res.end();
    return true;
  };
}

/** The only `error:` line of a run, asserting there is exactly one and (without -v) no stack trace. */
function errorLine(r, { verbose = false } = {}) {
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  assert.equal(errors.length, 1, r.stderr);
  if (!verbose) assert.doesNotMatch(r.stderr, /\n\s+at /);
  return errors[0];
}

// Finding 1: every hop obeys the first URL's rule; codes and tokens never follow a redirect to another origin.

test('a metadata redirect to plain http on a non-loopback address is refused like a first URL would be', async () => {
  // 0.0.0.0 reaches this machine, but it is not a loopback name: only --insecure admits plain http to it.
  redirect('GET', '/.well-known/openid-credential-issuer/openid4vci', 302, `http://0.0.0.0:${sink.port}/latest/meta-data/`);
  const offer = issuer.createOffer();
  const r = await runInProcess(['claim', offer.credentialOffer, '-v']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    errorLine(r, { verbose: true }),
    /^error: issuer-metadata: refusing plain http to 0\.0\.0\.0:\d+ \(redirected from http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-credential-issuer\/openid4vci\)/,
  );
  assert.equal(sunk.length, 0, 'the redirect target was never asked');
  assert.doesNotMatch(r.stderr, /from the sink/);
});

test('a 307 of the token POST to another origin is refused: the pre-authorized code and tx code are not re-sent', async () => {
  redirect('POST', '/openid4vci/token', 307, `${sink.url}/token`);
  const offer = issuer.createOffer({ txCode: '493536' });
  const r = await runInProcess(['claim', offer.credentialOffer, '--tx-code', '493536']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    errorLine(r),
    /^error: token: the issuer redirected POST http:\/\/127\.0\.0\.1:\d+\/openid4vci\/token to another origin \(http:\/\/127\.0\.0\.1:\d+\): not followed/,
  );
  assert.equal(sunk.length, 0, `nothing reached the other origin: ${JSON.stringify(sunk)}`);
});

test('a redirect of the credential request to another origin is refused: the access token is not re-sent', async () => {
  redirect('POST', '/openid4vci/credential', 308, `${sink.url}/credential`);
  const r = await runInProcess(['claim', issuer.createOffer().credentialOffer]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(errorLine(r), /^error: credential: the issuer redirected POST .* to another origin/);
  assert.equal(sunk.length, 0);
});

test("an offer URL that redirects within the issuer's origin is still followed", async () => {
  const offer = issuer.createOffer();
  const offerUrl = decodeURIComponent(offer.credentialOffer.split('credential_offer_uri=')[1] ?? '');
  issuer.state.route = (req, res, url) => {
    if (url.pathname !== '/moved') return false;
    res.writeHead(301, { location: offerUrl.replace(issuer.url, '') });
    res.end();
    return true;
  };
  const r = await runInProcess(['claim', `${issuer.url}/moved`, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseNdjson(r.stdout)[0].credentials.length, 1);
});

test('redirects are bounded: a loop ends after a few hops with one line', async () => {
  issuer.state.route = (req, res, url) => {
    if (url.pathname !== '/.well-known/openid-credential-issuer/openid4vci') return false;
    res.writeHead(302, { location: url.pathname });
    res.end();
    return true;
  };
  const r = await runInProcess(['claim', issuer.createOffer().credentialOffer]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(errorLine(r), /^error: issuer-metadata: more than 5 redirects from http:\/\/127\.0\.0\.1:\d+\//);
  assert.ok(issuer.requests.filter((q) => q.path === '/.well-known/openid-credential-issuer/openid4vci').length <= 6);
});

// Finding 2: every key lookup is bounded, and an issuer's keys are fetched once per claim.

const KEY_PATHS = ['/.well-known/jwt-vc-issuer/openid4vci', '/openid4vci/jwks'];
const keyFetches = () => issuer.requests.filter((q) => KEY_PATHS.includes(q.path)).length;

test('a JWKS whose jwks_uri names itself ends after a bounded number of fetches', async () => {
  issuer.state.route = (req, res, url) => {
    if (req.method !== 'GET' || !KEY_PATHS.includes(url.pathname)) return false;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ issuer: issuer.tools.base, jwks_uri: `${issuer.url}${url.pathname}` }));
    return true;
  };
  const r = await runInProcess(['claim', issuer.createOffer().credentialOffer, '--json'], { timeoutMs: 20_000 });
  assert.equal(r.code, 6, `the claim ended by itself, refusing the credential (${keyFetches()} key documents fetched): ${r.stderr}`);
  assert.ok(keyFetches() <= 6, `${keyFetches()} key documents fetched`);
  const [credential] = parseNdjson(r.stdout)[0].credentials;
  assert.equal(credential.signature.verified, false);
  assert.match(credential.signature.reason, /no key with kid issuer-key-1/);
});

test("the issuer's keys are fetched once per claim, not once per credential", async () => {
  const r = await runInProcess(['claim', issuer.createOffer({ configurationIds: ['OpenBadgeCredential_jwt_vc_json', 'identity_credential'] }).credentialOffer, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    parseNdjson(r.stdout)[0].credentials.map((c) => c.signature.verified),
    [true, true],
  );
  for (const path of KEY_PATHS) assert.ok(issuer.requests.filter((q) => q.path === path).length <= 1, `${path} fetched more than once`);
});

// Finding 3: "verified" means an advertised asymmetric algorithm and a key tied to the credential's issuer.

const didJwkOf = (jwk) => `did:jwk:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}`;

/** A jwt_vc_json payload like the double's, bound to `holder`, naming `iss`. */
function badge(holder, iss = issuer.tools.base) {
  const sub = didJwkOf({ kty: holder.kty, crv: holder.crv, x: holder.x, y: holder.y });
  return {
    iss,
    sub,
    iat: Math.floor(Date.now() / 1000),
    vc: {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', 'OpenBadgeCredential'],
      credentialSubject: { id: sub, achievement: { name: 'Forged badge' } },
    },
  };
}

/** Claims one jwt_vc_json credential; returns the run and the credential of the --json record. */
async function claimOne(extra = []) {
  return claimFrom(issuer.createOffer().credentialOffer, extra);
}

/**
 * Claims an offer of one credential with --json; asserts the contract's exit code for it (0
 * trusted, or accepted unverified with --allow-unverified; 6 otherwise).
 */
async function claimFrom(offer, extra) {
  const r = await runInProcess(['claim', offer, '--json', ...extra]);
  const record = parseNdjson(r.stdout).find((l) => l.kind === 'claim');
  assert.ok(record, `a claim record: ${r.stderr}`);
  const credential = record.credentials[0];
  const accepted = credential.trust.status === 'trusted' || (credential.trust.status === 'unverified' && extra.includes('--allow-unverified'));
  assert.equal(r.code, accepted ? 0 : 6, `${credential.trust.status}: ${r.stderr}`);
  return { r, credential };
}

test('a did:jwk kid unrelated to iss is not "verified"', async () => {
  const stranger = await generateKeyPair('ES256', { extractable: true });
  const kid = `${didJwkOf(await exportJWK(stranger.publicKey))}#0`;
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder), { kid, typ: 'JWT' }, stranger.privateKey);
  const { credential } = await claimOne();
  assert.equal(credential.signature.verified, false, credential.signature.key);
  assert.match(credential.signature.reason, /^kid did:jwk:\S+ is not a key .*issuer publishes/);
});

test('a symmetric (oct) did:jwk with HS256 is not "verified"', async () => {
  const secret = randomBytes(32);
  const iss = didJwkOf({ kty: 'oct', k: secret.toString('base64url') });
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder, iss), { alg: 'HS256', kid: `${iss}#0`, typ: 'JWT' }, secret);
  const { credential } = await claimOne();
  assert.equal(credential.signature.verified, false, credential.signature.key);
  assert.match(credential.signature.reason, /^alg HS256 is not an asymmetric signature algorithm/);
});

test('a self-signed x5c is not "verified" unless its key is published or it chains to a --trust-anchor', async () => {
  const stranger = keyPair();
  const cert = certificate({ publicKey: stranger.publicKey, subject: 'Forger', issuerKey: stranger.privateKey, issuer: 'Forger' });
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder), { x5c: [cert.toString('base64')], typ: 'JWT' }, stranger.privateKey);
  let { credential } = await claimOne();
  assert.equal(credential.signature.verified, false, credential.signature.key);
  assert.match(credential.signature.reason, /^x5c CN=Forger.* no trust anchor was given, and the issuer does not publish its key/);
  // The same certificate, its key now published by the issuer: verified, and the label says the chain was not checked.
  issuer.state.extraKeys = [{ ...(await exportJWK(stranger.publicKey)), kid: 'leaf' }];
  ({ credential } = await claimOne());
  assert.equal(credential.signature.verified, true, credential.signature.reason);
  assert.match(credential.signature.key, /^x5c .*CN=Forger.* \(its key is published by the issuer; the chain was not checked\)$/);
});

test('an x5c chain to a --trust-anchor verifies; another anchor does not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-anchor-'));
  const anchor = keyPair();
  const anchorCert = certificate({ publicKey: anchor.publicKey, subject: 'Test Root', issuerKey: anchor.privateKey, issuer: 'Test Root', ca: true });
  const leaf = keyPair();
  const leafCert = certificate({ publicKey: leaf.publicKey, subject: 'Test Issuer', issuerKey: anchor.privateKey, issuer: 'Test Root' });
  const other = keyPair();
  writeFileSync(join(dir, 'root.pem'), pem(anchorCert));
  writeFileSync(join(dir, 'other.pem'), pem(certificate({ publicKey: other.publicKey, subject: 'Other Root', issuerKey: other.privateKey, issuer: 'Other Root', ca: true })));
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder), { x5c: [leafCert.toString('base64')], typ: 'JWT' }, leaf.privateKey);
  let { credential } = await claimOne(['--trust-anchor', join(dir, 'other.pem'), '--trust-anchor', join(dir, 'root.pem')]);
  assert.equal(credential.signature.verified, true, credential.signature.reason);
  assert.match(credential.signature.key, /^x5c .*CN=Test Issuer.* \(chain to trust anchor .*CN=Test Root\)$/);
  ({ credential } = await claimOne(['--trust-anchor', join(dir, 'other.pem')]));
  assert.equal(credential.signature.verified, false);
  assert.match(credential.signature.reason, /^x5c CN=Test Issuer.* does not chain to a trust anchor/);
});

test('iss naming another issuer is not "verified", even signed with the credential issuer\'s key (mix-up)', async () => {
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder, 'https://other-issuer.example/openid4vci'), { kid: tools.kid, typ: 'JWT' });
  const { credential } = await claimOne();
  assert.equal(credential.signature.verified, false, credential.signature.key);
  assert.match(credential.signature.reason, /^iss https:\/\/other-issuer\.example\/openid4vci is not the credential issuer http:\/\/127\.0\.0\.1:\d+\/openid4vci/);
});

test('an algorithm the issuer does not advertise is not "verified", even with a published key', async () => {
  const p384 = await generateKeyPair('ES384', { extractable: true });
  issuer.state.extraKeys = [{ ...(await exportJWK(p384.publicKey)), kid: 'p384' }];
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder), { alg: 'ES384', kid: 'p384', typ: 'JWT' }, p384.privateKey);
  const { credential } = await claimOne();
  assert.equal(credential.signature.verified, false, credential.signature.key);
  assert.match(credential.signature.reason, /^alg ES384 is not one the issuer advertises for OpenBadgeCredential_jwt_vc_json \(ES256\)/);
});

test('a kid the issuer publishes, signed by another key, does not verify', async () => {
  const stranger = await generateKeyPair('ES256');
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder), { kid: tools.kid, typ: 'JWT' }, stranger.privateKey);
  const { credential } = await claimOne();
  assert.equal(credential.signature.verified, false);
  assert.match(credential.signature.reason, /^signature does not verify with kid issuer-key-1 from http:\/\/127\.0\.0\.1:\d+\/\.well-known\/jwt-vc-issuer\/openid4vci/);
});

test('a DID that is iss verifies with its own key: did:jwk, and did:key (P-256 and Ed25519)', async () => {
  for (const alg of ['ES256', 'EdDSA']) {
    const own = await generateKeyPair(alg, { ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}), extractable: true });
    const jwk = await exportJWK(own.publicKey);
    for (const iss of [didJwkOf(jwk), didKeyOf(jwk)]) {
      issuer.state.configurations = (c) => ({
        ...c,
        OpenBadgeCredential_jwt_vc_json: { ...c.OpenBadgeCredential_jwt_vc_json, credential_signing_alg_values_supported: ['ES256', 'EdDSA'] },
      });
      issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder, iss), { alg, kid: `${iss}#${iss.split(':')[2]}`, typ: 'JWT' }, own.privateKey);
      const { credential } = await claimOne();
      assert.equal(credential.signature.verified, true, `${iss}: ${credential.signature.reason}`);
      assert.match(credential.signature.key, iss.startsWith('did:jwk') ? /^iss did:jwk/ : /^iss did:key/);
    }
  }
});

/** did:key of a P-256 or Ed25519 public JWK: multicodec prefix + (compressed) key, base58btc. */
function didKeyOf(jwk) {
  const bytes =
    jwk.crv === 'Ed25519'
      ? Buffer.concat([Buffer.from([0xed, 0x01]), Buffer.from(jwk.x, 'base64url')])
      : Buffer.concat([Buffer.from([0x80, 0x24]), createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' }).subarray(-65)]);
  const key = jwk.crv === 'Ed25519' ? bytes : Buffer.concat([bytes.subarray(0, 2), compress(bytes.subarray(2))]);
  return `did:key:z${base58(key)}`;
}

function compress(point) {
  return Buffer.concat([Buffer.from([point[64] & 1 ? 0x03 : 0x02]), point.subarray(1, 33)]);
}

function base58(bytes) {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = BigInt(`0x${bytes.toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = alphabet[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

test('an mso_mdoc is "verified" only when its x5chain key is published by the issuer or chains to a trust anchor', async () => {
  const { CoseKey, DeviceKey, Issuer, SignatureAlgorithm } = await import('@owf/mdoc');
  const { mdocContext } = await import('../../dist/shared/mdoc-context.js');
  const MDL = 'org.iso.18013.5.1.mDL';
  issuer.state.configurations = (c) => ({
    ...c,
    [MDL]: {
      format: 'mso_mdoc',
      doctype: MDL,
      cryptographic_binding_methods_supported: ['cose_key'],
      credential_signing_alg_values_supported: [-7],
      proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256'] } },
    },
  });
  const signer = keyPair();
  const cert = certificate({ publicKey: signer.publicKey, subject: 'Forged mDL issuer', issuerKey: signer.privateKey, issuer: 'Forged mDL issuer' });
  issuer.state.issue = async ({ holder }) => {
    const mdl = new Issuer(MDL, mdocContext);
    mdl.addIssuerNamespace('org.iso.18013.5.1', { family_name: 'Eve' });
    const now = new Date();
    const signed = await mdl.sign({
      signingKey: CoseKey.fromJwk(/** @type {any} */ (signer.privateKey.export({ format: 'jwk' }))),
      algorithm: SignatureAlgorithm.ES256,
      digestAlgorithm: 'SHA-256',
      validityInfo: { signed: now, validFrom: now, validUntil: new Date(now.getTime() + 86_400_000) },
      deviceKeyInfo: { deviceKey: DeviceKey.fromJwk(holder) },
      certificates: [new Uint8Array(cert)],
    });
    return signed.encodedForOid4Vci;
  };
  const claimMdl = async () => (await claimFrom(issuer.createOffer({ configurationIds: [MDL] }).credentialOffer, [])).credential;
  let credential = await claimMdl();
  assert.equal(credential.signature.verified, false, credential.signature.key);
  assert.match(credential.signature.reason, /^x5chain CN=Forged mDL issuer: no trust anchor was given, and the issuer does not publish its key$/);
  issuer.state.extraKeys = [/** @type {any} */ (signer.publicKey.export({ format: 'jwk' }))];
  credential = await claimMdl();
  assert.equal(credential.signature.verified, true, credential.signature.reason);
  assert.equal(credential.decoded.holderBinding, 'holder-key');
});

// Finding 4: every disclosure's digest must be in the signed payload.

/** Claims one dc+sd-jwt credential; returns the run and the credential of the --json record. */
async function claimSdJwt(extra = []) {
  return claimFrom(issuer.createOffer({ configurationIds: ['identity_credential'] }).credentialOffer, extra);
}

test('an SD-JWT disclosure that is not in the signed payload fails the credential (forged, altered, repeated)', async () => {
  const forged = issuer.tools.disclose([['given_name', 'Eve']]).disclosures[0];
  issuer.state.issue = async ({ holder, tools }) => `${await tools.sdJwt(holder)}${forged}~`;
  let { credential } = await claimSdJwt();
  assert.equal(credential.signature.verified, false, credential.signature.key);
  assert.match(credential.signature.reason, /^disclosure given_name: "Eve" is not in the signed payload/);
  assert.deepEqual(
    credential.decoded.disclosures.map((d) => [d.name, d.value, d.signed]),
    [
      ['given_name', 'Ada', true],
      ['family_name', 'Lovelace', true],
      ['birthdate', '1815-12-10', true],
      ['given_name', 'Eve', false],
    ],
  );
  // A real disclosure with its value changed: its digest no longer matches, so it does not silently vanish.
  issuer.state.issue = async ({ holder, tools }) => {
    const [jwt, first, ...rest] = (await tools.sdJwt(holder)).split('~');
    const [salt, name] = JSON.parse(Buffer.from(first, 'base64url').toString());
    return [jwt, Buffer.from(JSON.stringify([salt, name, 'Eve'])).toString('base64url'), ...rest].join('~');
  };
  ({ credential } = await claimSdJwt());
  assert.equal(credential.signature.verified, false);
  assert.match(credential.signature.reason, /^disclosure given_name: "Eve" is not in the signed payload/);
  // The same disclosure twice.
  issuer.state.issue = async ({ holder, tools }) => {
    const sdJwt = await tools.sdJwt(holder);
    return `${sdJwt}${sdJwt.split('~')[1]}~`;
  };
  ({ credential } = await claimSdJwt());
  assert.equal(credential.signature.verified, false);
  assert.match(credential.signature.reason, /^disclosure given_name: "Ada" appears twice/);
});

test('an SD-JWT whose disclosure repeats a claim the payload already has fails the credential', async () => {
  issuer.state.issue = async ({ holder, tools }) => {
    const { disclosures, digests } = tools.disclose([['nationality', 'FR']]);
    const jwt = await tools.sign(
      { iss: tools.base, vct: `${tools.base}/identity_credential`, cnf: { jwk: holder }, _sd: digests, _sd_alg: 'sha-256', nationality: 'GB' },
      { kid: tools.kid, typ: 'dc+sd-jwt' },
    );
    return `${jwt}~${disclosures.join('~')}~`;
  };
  const { credential } = await claimSdJwt();
  assert.equal(credential.signature.verified, false);
  assert.match(credential.signature.reason, /^disclosure nationality repeats a claim the signed payload already has/);
});

test('pretty output marks a disclosure the issuer did not sign', async () => {
  const forged = issuer.tools.disclose([['given_name', 'Eve']]).disclosures[0];
  issuer.state.issue = async ({ holder, tools }) => `${await tools.sdJwt(holder)}${forged}~`;
  const r = await runInProcess(['claim', issuer.createOffer({ configurationIds: ['identity_credential'] }).credentialOffer]);
  assert.match(r.stdout, /^ {4}given_name: "Ada"$/m);
  assert.match(r.stdout, /^ {4}given_name: "Eve" {2}\(not in the signed payload\)$/m);
  assert.match(r.stdout, /signature {4}not verified: disclosure given_name: "Eve" is not in the signed payload/);
});

// Finding 5: a credential the wallet cannot trust fails the claim (exit 6); --allow-unverified excuses only a key that cannot be found.

test('a credential whose signature does not verify exits 6: one line naming the configuration id and the reason', async () => {
  const stranger = await generateKeyPair('ES256');
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder), { kid: tools.kid, typ: 'JWT' }, stranger.privateKey);
  const { r, credential } = await claimOne();
  assert.equal(r.code, 6, r.stderr);
  assert.match(errorLine(r), /^error: decode: OpenBadgeCredential_jwt_vc_json \(jwt_vc_json\) cannot be trusted: signature does not verify with kid issuer-key-1 from http:\S+$/);
  assert.equal(credential.trust.status, 'untrusted');
  // Pretty: the credential is still shown, with why it failed.
  const pretty = await runInProcess(['claim', issuer.createOffer().credentialOffer]);
  assert.equal(pretty.code, 6);
  assert.match(pretty.stdout, /signature {4}not verified: signature does not verify/);
});

test('a credential bound to another key, or to none, exits 6', async () => {
  const other = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
  issuer.state.issue = ({ tools }) => tools.jwtVc(other);
  let { r } = await claimOne();
  assert.equal(r.code, 6, r.stderr);
  assert.match(errorLine(r), /^error: decode: OpenBadgeCredential_jwt_vc_json \(jwt_vc_json\) cannot be trusted: bound to another key than the wallet's$/);
  issuer.state.issue = ({ holder, tools }) => {
    const { sub: _sub, vc, ...unbound } = badge(holder);
    return tools.sign({ ...unbound, vc: { ...vc, credentialSubject: { achievement: { name: 'Bearer badge' } } } }, { kid: tools.kid, typ: 'JWT' });
  };
  ({ r } = await claimOne());
  assert.equal(r.code, 6, r.stderr);
  assert.match(errorLine(r), /cannot be trusted: not bound to the wallet's key \(no cnf\.jwk, subject DID or device key\), though the issuer binds this credential$/);
});

test('an issuer key that cannot be found exits 6; --allow-unverified keeps 0 and says so on stderr', async () => {
  const own = await generateKeyPair('ES256');
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder, 'did:web:issuer.example'), { kid: 'did:web:issuer.example#key-1', typ: 'JWT' }, own.privateKey);
  let { r, credential } = await claimOne();
  assert.equal(r.code, 6, r.stderr);
  assert.match(
    errorLine(r),
    /^error: decode: OpenBadgeCredential_jwt_vc_json \(jwt_vc_json\) cannot be trusted: issuer did:web DIDs are not resolved by this wallet \(--allow-unverified accepts a credential whose issuer key cannot be found\)$/,
  );
  assert.doesNotMatch(r.stderr, /accepted unverified/);
  ({ r, credential } = await claimOne(['--allow-unverified']));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(credential.trust.status, 'unverified');
  assert.match(
    r.stderr,
    /^warning: OpenBadgeCredential_jwt_vc_json \(jwt_vc_json\) accepted unverified \(--allow-unverified\): issuer did:web DIDs are not resolved by this wallet$/m,
  );
  assert.doesNotMatch(r.stderr, /^error:/m);
});

test('--allow-unverified never excuses a signature that fails, a wrong binding or a forged disclosure', async () => {
  const stranger = await generateKeyPair('ES256');
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder), { kid: tools.kid, typ: 'JWT' }, stranger.privateKey);
  let { r } = await claimOne(['--allow-unverified']);
  assert.equal(r.code, 6, r.stderr);
  const other = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
  issuer.state.issue = ({ tools }) => tools.jwtVc(other);
  ({ r } = await claimOne(['--allow-unverified']));
  assert.equal(r.code, 6, r.stderr);
  const forged = issuer.tools.disclose([['given_name', 'Eve']]).disclosures[0];
  issuer.state.issue = async ({ holder, tools }) => `${await tools.sdJwt(holder)}${forged}~`;
  ({ r } = await claimSdJwt(['--allow-unverified']));
  assert.equal(r.code, 6, r.stderr);
  assert.doesNotMatch(errorLine(r), /--allow-unverified/);
});

test('offer create --claim: an untrusted credential exits 6; --allow-unverified has the same meaning as for claim', async () => {
  const create = (extra) => runInProcess(['offer', 'create', '--base-url', issuer.url, '--profile', 'OpenBadgeCredential_jwt_vc_json', '--claim', '--timeout', '20s', ...extra]);
  let r = await create([]);
  assert.equal(r.code, 0, r.stderr);
  const stranger = await generateKeyPair('ES256');
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder), { kid: tools.kid, typ: 'JWT' }, stranger.privateKey);
  r = await create(['--allow-unverified']);
  assert.equal(r.code, 6, r.stderr);
  assert.match(errorLine(r), /^error: decode: OpenBadgeCredential_jwt_vc_json \(jwt_vc_json\) cannot be trusted: signature does not verify/);
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder, 'did:web:issuer.example'), { typ: 'JWT' }, stranger.privateKey);
  r = await create([]);
  assert.equal(r.code, 6, r.stderr);
  r = await create(['--allow-unverified']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: OpenBadgeCredential_jwt_vc_json \(jwt_vc_json\) accepted unverified \(--allow-unverified\)/m);
});

// Finding 6: every step has a deadline. The double drips with its own timers; the tests wait on the CLI's exit.

/** Answers `path` with a JSON body that never ends: one byte every `everyMs`. */
function drip(path, everyMs) {
  issuer.state.route = (req, res, url) => {
    if (url.pathname !== path) return false;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{');
    const timer = setInterval(() => res.write(' '), everyMs);
    res.on('close', () => clearInterval(timer));
    return true;
  };
}

test('metadata dripping a byte every 2 s: --timeout ends the whole claim with 124', async () => {
  drip('/.well-known/openid-credential-issuer/openid4vci', 2000);
  const r = await runInProcess(['claim', issuer.createOffer().credentialOffer, '--timeout', '1500ms'], { timeoutMs: 20_000 });
  assert.equal(r.code, 124, r.stderr);
  assert.match(errorLine(r), /^error: issuer-metadata: the claim did not finish within 1\.5s \(--timeout\)$/);
});

test('--request-timeout bounds each request, headers and body together: exit 1 naming the URL', async () => {
  drip('/.well-known/openid-credential-issuer/openid4vci', 200);
  const r = await runInProcess(['claim', issuer.createOffer().credentialOffer, '--request-timeout', '1s'], { timeoutMs: 20_000 });
  assert.equal(r.code, 1, r.stderr);
  assert.match(errorLine(r), /^error: issuer-metadata: no complete answer from http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-credential-issuer\/openid4vci within 1s$/);
});

test('offer create --claim --timeout also ends a claim stuck on a dripping credential endpoint (124)', async () => {
  drip('/openid4vci/credential', 2000);
  const r = await runInProcess(['offer', 'create', '--base-url', issuer.url, '--profile', 'OpenBadgeCredential_jwt_vc_json', '--claim', '--timeout', '2s'], { timeoutMs: 20_000 });
  assert.equal(r.code, 124, r.stderr);
  // The session's wait reports the timeout; the wallet's steps say where the claim stood.
  assert.match(errorLine(r), /^error: no terminal status within 2s \(--timeout\)/);
  assert.match(r.stderr, /^✗ credential /m);
});

test('claim refuses a --timeout or --request-timeout that is not a duration, or longer than a timer holds', async () => {
  for (const args of [
    ['--timeout', 'soon'],
    ['--timeout', '30d'],
    ['--request-timeout', '0'],
    ['--request-timeout', '9999999999'],
  ]) {
    const r = await runInProcess(['claim', issuer.createOffer().credentialOffer, ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(errorLine(r), new RegExp(`^error: invalid ${args[0]} "`));
  }
});

// Finding 7: secrets masked whole, every line from the network escaped.

test('--json does not print the pre-authorized code', async () => {
  const code = `pac-${randomBytes(12).toString('hex')}`;
  const r = await runInProcess(['claim', issuer.createOffer({ preAuthorizedCode: code }).credentialOffer, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes(code.slice(4)), 'no part of the code on stdout');
  const [record] = parseNdjson(r.stdout);
  assert.equal(record.offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'], '[masked]');
});

test('-v "issuer said:" escapes C1 and bidirectional controls from the issuer', async () => {
  issuer.state.route = (req, res, url) => {
    if (url.pathname !== '/openid4vci/token') return false;
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'code \u009b31mred\u009b0m \u202eesrever' }));
    return true;
  };
  const r = await runInProcess(['claim', issuer.createOffer().credentialOffer, '-v']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^issuer said: .*\\u009b31mred.*\\u202eesrever/m);
  assert.doesNotMatch(r.stderr, /[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/, 'no raw C1 or bidi character on stderr');
});

// The -v bodies of the wallet go through maskSecrets (src/shared/redact.ts), which the first-hour
// findings branch introduces; until it is merged here this test waits for it.
const { maskSecrets } = /** @type {any} */ (redact);

test('-v masks codes and tokens whole — 4-character tx code, values with a comma, a quote or a space — and private JWK members of the issuer key metadata', {
  skip: typeof maskSecrets !== 'function' && 'needs maskSecrets (src/shared/redact.ts) from the first-hour findings branch',
}, async () => {
  const code = 'SECRETA, "SECRETB" SECRETC';
  issuer.state.tokenResponse = { access_token: 'SECRETD,SECRETE"SECRETF' };
  const leaked = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
  issuer.state.extraKeys = [{ ...leaked, kid: 'leaked' }];
  const r = await runInProcess(['claim', issuer.createOffer({ txCode: 'QZXW', preAuthorizedCode: code }).credentialOffer, '--tx-code', 'QZXW', '-v']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /QZXW|SECRET/);
  assert.ok(!r.stderr.includes(String(leaked.d)), "the issuer's leaked private key is not printed");
});

// Finding 8: hostile shapes end in a clear line or a correct rendering, never "unexpected failure".

const DEEP = `${'{"n":'.repeat(5000)}"bottom"${'}'.repeat(5000)}`;

test('credential claims nested 5,000 deep: one clear line (exit 1), not a crash', async () => {
  issuer.state.issue = async ({ holder, tools, format }) => {
    const sub = didJwkOf({ kty: holder.kty, crv: holder.crv, x: holder.x, y: holder.y });
    if (format === 'jwt_vc_json')
      return tools.signText(`{"iss":${JSON.stringify(tools.base)},"sub":"${sub}","vc":{"type":["VerifiableCredential"],"credentialSubject":{"id":"${sub}","deep":${DEEP}}}}`, {
        kid: tools.kid,
        typ: 'JWT',
      });
    // In an SD-JWT the depth may hide in a disclosure.
    const { disclosures, digests } = tools.disclose([['deep', 'placeholder']]);
    const disclosure = Buffer.from(`["salt","deep",${DEEP}]`).toString('base64url');
    const digest = (await import('node:crypto')).createHash('sha256').update(disclosure).digest('base64url');
    const payload = { iss: tools.base, vct: `${tools.base}/identity_credential`, cnf: { jwk: holder }, _sd: [...digests, digest], _sd_alg: 'sha-256' };
    return `${await tools.sign(payload, { kid: tools.kid, typ: 'dc+sd-jwt' })}~${disclosures[0]}~${disclosure}~`;
  };
  for (const configurationId of ['OpenBadgeCredential_jwt_vc_json', 'identity_credential']) {
    for (const json of [[], ['--json']]) {
      const r = await runInProcess(['claim', issuer.createOffer({ configurationIds: [configurationId] }).credentialOffer, ...json]);
      assert.equal(r.code, 1, `${configurationId} ${json}: ${r.stderr}`);
      assert.match(errorLine(r), /^error: decode: the credential's claims nest deeper than 128 levels$/, configurationId);
    }
  }
});

test('a credential whose dates are out of range is rendered, not a crash', async () => {
  issuer.state.issue = ({ holder, tools }) => tools.sign({ ...badge(holder), exp: 1e300, nbf: -1e16 }, { kid: tools.kid, typ: 'JWT' });
  const r = await runInProcess(['claim', issuer.createOffer().credentialOffer]);
  // Far future and far past are valid for jose; no Date holds them, so they are shown as sent.
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {2}valid until {2}1e\+300 \(not a valid time\)$/m);
  assert.doesNotMatch(r.stderr, /unexpected failure/);
});

test('offer create against an issuer answering expiresAt -1e16 renders it, not a crash', async () => {
  issuer.state.offerResponse = { expiresAt: -1e16 };
  const r = await runInProcess(['offer', 'create', '--base-url', issuer.url, '--profile', 'OpenBadgeCredential_jwt_vc_json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Expires {3}-10000000000000000 \(not a valid time\)$/m);
});

test('a --trust-anchor that cannot be read exits 2 with one line, before anything is sent', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-anchor-'));
  writeFileSync(join(dir, 'not.pem'), 'hello');
  writeFileSync(join(dir, 'bad.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  const offer = issuer.createOffer().credentialOffer;
  for (const [file, pattern] of [
    [join(dir, 'missing.pem'), /^error: cannot read --trust-anchor \S+missing\.pem: ENOENT$/],
    [join(dir, 'not.pem'), /^error: --trust-anchor \S+not\.pem holds no PEM certificate/],
    [join(dir, 'bad.pem'), /^error: --trust-anchor \S+bad\.pem holds a certificate that cannot be read$/],
  ]) {
    for (const args of [
      ['claim', offer],
      ['offer', 'create', '--base-url', issuer.url, '--profile', 'OpenBadgeCredential_jwt_vc_json', '--claim'],
    ]) {
      const r = await runInProcess([...args, '--trust-anchor', String(file)]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(errorLine(r), /** @type {RegExp} */ (pattern));
    }
  }
  assert.deepEqual(issuer.requests, [], 'nothing was sent');
});

test('offer create --claim --junit: a credential the wallet cannot trust is a failed testcase with the reason; one accepted unverified is a warning', async () => {
  const { readFileSync } = await import('node:fs');
  const { elements, parseXml } = await import('../helpers/xml.mjs');
  const junit = join(mkdtempSync(join(tmpdir(), 'ie-junit-')), 'report.xml');
  const create = (extra) =>
    runInProcess(['offer', 'create', '--base-url', issuer.url, '--profile', 'OpenBadgeCredential_jwt_vc_json', '--claim', '--timeout', '20s', '--junit', junit, ...extra]);
  const credentialCase = () =>
    elements(parseXml(readFileSync(junit, 'utf8')), 'testcase').find((c) => c.attrs.name === 'OpenBadgeCredential_jwt_vc_json: credential OpenBadgeCredential_jwt_vc_json') ??
    assert.fail('no credential testcase');
  const stranger = await generateKeyPair('ES256');
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder), { kid: tools.kid, typ: 'JWT' }, stranger.privateKey);
  let r = await create([]);
  assert.equal(r.code, 6, r.stderr);
  const failure = elements(credentialCase(), 'failure')[0];
  assert.ok(failure, 'a failure element');
  assert.match(failure.attrs.message, /^signature does not verify with kid issuer-key-1/);
  issuer.state.issue = ({ holder, tools }) => tools.sign(badge(holder, 'did:web:issuer.example'), { typ: 'JWT' }, stranger.privateKey);
  r = await create(['--allow-unverified']);
  assert.equal(r.code, 0, r.stderr);
  const accepted = credentialCase();
  assert.equal(elements(accepted, 'failure').length, 0);
  assert.match(JSON.stringify(accepted), /issuer did:web DIDs are not resolved by this wallet/);
});
