// The wallet trusts only what it verified (issue 25, findings 1–8): `claim` against a hostile
// issuer — the OID4VCI double with its hooks set for one test, and sink servers on 127.0.0.1
// that record whatever a redirect makes the wallet send them.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { listen, readBody } from '../helpers/http.mjs';
import { parseNdjson, runCli } from '../helpers/cli.mjs';
import { startOid4vciDouble } from '../helpers/oid4vci-double.mjs';

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
  const r = await runCli(['claim', offer.credentialOffer, '-v']);
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
  const r = await runCli(['claim', offer.credentialOffer, '--tx-code', '493536']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    errorLine(r),
    /^error: token: the issuer redirected POST http:\/\/127\.0\.0\.1:\d+\/openid4vci\/token to another origin \(http:\/\/127\.0\.0\.1:\d+\): not followed/,
  );
  assert.equal(sunk.length, 0, `nothing reached the other origin: ${JSON.stringify(sunk)}`);
});

test('a redirect of the credential request to another origin is refused: the access token is not re-sent', async () => {
  redirect('POST', '/openid4vci/credential', 308, `${sink.url}/credential`);
  const r = await runCli(['claim', issuer.createOffer().credentialOffer]);
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
  const r = await runCli(['claim', `${issuer.url}/moved`, '--json']);
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
  const r = await runCli(['claim', issuer.createOffer().credentialOffer]);
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
  const r = await runCli(['claim', issuer.createOffer().credentialOffer, '--json'], { timeoutMs: 20_000 });
  assert.notEqual(r.code, null, `the claim ended by itself (${keyFetches()} key documents fetched)`);
  assert.ok(keyFetches() <= 6, `${keyFetches()} key documents fetched`);
  const [credential] = parseNdjson(r.stdout)[0].credentials;
  assert.equal(credential.signature.verified, false);
  assert.match(credential.signature.reason, /no key with kid issuer-key-1/);
});

test("the issuer's keys are fetched once per claim, not once per credential", async () => {
  const r = await runCli(['claim', issuer.createOffer({ configurationIds: ['OpenBadgeCredential_jwt_vc_json', 'identity_credential'] }).credentialOffer, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    parseNdjson(r.stdout)[0].credentials.map((c) => c.signature.verified),
    [true, true],
  );
  for (const path of KEY_PATHS) assert.ok(issuer.requests.filter((q) => q.path === path).length <= 1, `${path} fetched more than once`);
});
