import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { isSchemeChoice, isSchemeName, verifyDelivery, SCHEMES, SCHEME_NAMES } from '../../dist/webhooks/index.js';
import { VECTORS } from '../helpers/vectors.mjs';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const at = (sec) => Number(sec) * 1000;
const ctx = (secrets, nowMs, extra = {}) => ({ secrets, toleranceSec: 300, nowMs, ...extra });
const delivery = (headers, body) => ({ headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])), body: Buffer.from(body) });

function standardHeaders(secret, id, timestampSec, body, prefix = 'webhook') {
  const signature = new StandardWebhook(secret).sign(id, new Date(timestampSec * 1000), body);
  return { [`${prefix}-id`]: id, [`${prefix}-timestamp`]: String(timestampSec), [`${prefix}-signature`]: signature };
}

test('docs/providers.md vectors verify at their own timestamps', () => {
  for (const v of VECTORS.standardWebhooks) {
    const d = delivery({ 'webhook-id': v.id, 'webhook-timestamp': v.timestamp, 'webhook-signature': v.signature }, v.body);
    assert.equal(verifyDelivery(d, 'standard', ctx([v.secret], at(v.timestamp))).accepted, true);
    assert.equal(verifyDelivery(d, 'auto', ctx([v.secret], at(v.timestamp))).scheme, 'standard');
    const svix = delivery({ 'svix-id': v.id, 'svix-timestamp': v.timestamp, 'svix-signature': v.signature }, v.body);
    assert.equal(verifyDelivery(svix, 'svix', ctx([v.secret], at(v.timestamp))).accepted, true);
  }
  for (const v of VECTORS.igrant) {
    const d = delivery({ 'x-igrant-signature': v.header }, v.body);
    assert.equal(verifyDelivery(d, 'igrant', ctx([v.secret], Date.parse(v.t))).code, 'valid');
  }
  const g = VECTORS.github;
  assert.equal(verifyDelivery(delivery({ 'x-hub-signature-256': g.header }, g.body), 'github', ctx([g.secret], Date.now())).code, 'valid');
});

test('the official standardwebhooks and svix libraries agree with us both ways', () => {
  const now = Math.floor(Date.now() / 1000);
  for (const body of ['{"a":1}', '{"name":"Zoë 🎓 ✓ 日本"}', '', 'not json at all']) {
    const headers = standardHeaders(SECRET, 'msg_lib', now, body);
    assert.equal(verifyDelivery(delivery(headers, body), 'standard', ctx([SECRET], Date.now())).code, 'valid', body);
    const svixSig = new SvixWebhook(SECRET).sign('msg_svix', new Date(now * 1000), body);
    const svixHeaders = { 'svix-id': 'msg_svix', 'svix-timestamp': String(now), 'svix-signature': svixSig };
    assert.equal(verifyDelivery(delivery(svixHeaders, body), 'auto', ctx([SECRET], Date.now())).code, 'valid', body);
    // Our signer, their verifier (which also parses the body, so JSON bodies only).
    if (!body.startsWith('{')) continue;
    const ours = SCHEMES.standard.sign(Buffer.from(body), SECRET, { id: 'msg_ours', timestamp: now });
    assert.doesNotThrow(() => new StandardWebhook(SECRET).verify(body, ours));
    assert.doesNotThrow(() => new SvixWebhook(SECRET).verify(body, ours));
  }
});

test('standard: tampered body, wrong secret, timestamp edges', () => {
  const t = 1_700_000_000;
  const body = '{"type":"x"}';
  const headers = standardHeaders(SECRET, 'msg_1', t, body);
  const check = (h, b, secrets, nowSec) => verifyDelivery(delivery(h, b), 'standard', ctx(secrets, nowSec * 1000));
  assert.equal(check(headers, body, [SECRET], t).accepted, true);
  assert.equal(check(headers, '{"type":"y"}', [SECRET], t).code, 'no_match');
  assert.equal(check(headers, body, ['whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='], t).code, 'no_match');
  assert.equal(check(headers, body, [SECRET], t + 300).accepted, true, 'exactly tolerance old');
  assert.equal(check(headers, body, [SECRET], t - 300).accepted, true, 'exactly tolerance ahead');
  const old = check(headers, body, [SECRET], t + 301);
  assert.equal(old.code, 'timestamp_too_old');
  assert.match(old.reason, /^timestamp too old by 1 s \(301 s old, tolerance 300 s\)$/);
  assert.equal(check(headers, body, [SECRET], t - 301).code, 'timestamp_too_new');
  const skewed = check(headers, body, [SECRET], t + 712);
  assert.match(skewed.reason, /too old by 412 s/);
});

test('standard: empty, short, unknown-version and non-numeric inputs never verify and never throw', () => {
  const t = 1_700_000_000;
  const body = '{"x":1}';
  const good = standardHeaders(SECRET, 'msg_1', t, body);
  const run = (patch) => verifyDelivery(delivery({ ...good, ...patch }, body), 'standard', ctx([SECRET], t * 1000));
  for (const signature of [
    '',
    'v1,',
    'v1',
    'v1,AAAA',
    'v1,====',
    'v2,' + good['webhook-signature'].slice(3),
    'v1a,' + good['webhook-signature'].slice(3),
    'garbage',
    ',,,',
    'v1,' + 'A'.repeat(10_000),
    // The length of one v1 signature (the fast path), in the URL-safe alphabet: not base64.
    `v1,${good['webhook-signature'].slice(3, 10)}${'-_'.repeat(18)}=`,
  ]) {
    const verdict = run({ 'webhook-signature': signature });
    assert.equal(verdict.accepted, false, `signature ${JSON.stringify(signature.slice(0, 20))}`);
  }
  for (const timestamp of ['', 'abc', '1700000000.5', ' 1700000000', '-1700000000', '+1700000000', '1e9', '0x10']) {
    const verdict = run({ 'webhook-timestamp': timestamp });
    assert.equal(verdict.accepted, false, `timestamp ${JSON.stringify(timestamp)}`);
    assert.equal(verdict.code, 'bad_timestamp', `timestamp ${JSON.stringify(timestamp)}`);
  }
  assert.equal(run({ 'webhook-signature': `v1,${'-'.repeat(43)}=` }).code, 'malformed_signature');
  assert.equal(run({ 'webhook-id': undefined }).code, 'missing_signature');
  // Unknown versions in a list are skipped; the v1 among them still verifies.
  assert.equal(run({ 'webhook-signature': `v1a,xyz v2,abc ${good['webhook-signature']}` }).accepted, true);
  // Node joins repeated headers with ", ".
  assert.equal(run({ 'webhook-signature': `v1,${'B'.repeat(43)}=, ${good['webhook-signature']}` }).accepted, true);
});

test('rotation: any configured secret verifies; non-base64 secrets are skipped for Standard Webhooks', () => {
  const t = 1_700_000_000;
  const body = '{}';
  const headers = standardHeaders(SECRET, 'msg_r', t, body);
  const verdict = verifyDelivery(
    delivery(headers, body),
    'auto',
    ctx(['whsec_!!notbase64!!', 'plain-igrant-secret', 'whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', SECRET], t * 1000),
  );
  assert.equal(verdict.accepted, true);
  assert.equal(verdict.secretIndex, 4);
  assert.equal(verifyDelivery(delivery(headers, body), 'standard', ctx(['whsec_!!notbase64!!'], t * 1000)).code, 'no_usable_secret');
});

test('iGrant: ISO and Unix t, form-encoded payload=, tolerance, junk', () => {
  const secret = 'igrant-secret';
  const json = '{"deliveryID":"d1","type":"openid.credential.credential_issued","data":{"credentialExchangeId":"c1"}}';
  const sign = (t, payload) => `t=${t},sig=${createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex')}`;
  const iso = '2025-06-01T12:00:00Z';
  const now = Date.parse(iso);
  assert.equal(verifyDelivery(delivery({ 'X-IGrant-Signature': sign(iso, json) }, json), 'auto', ctx([secret], now)).code, 'valid');
  assert.equal(verifyDelivery(delivery({ 'x-igrant-signature': sign('1748779200', json) }, json), 'igrant', ctx([secret], now)).code, 'valid');
  const form = `payload=${encodeURIComponent(json)}`;
  assert.equal(
    verifyDelivery(delivery({ 'x-igrant-signature': sign(iso, json), 'content-type': 'application/x-www-form-urlencoded' }, form), 'igrant', ctx([secret], now)).code,
    'valid',
  );
  assert.equal(verifyDelivery(delivery({ 'x-igrant-signature': sign(iso, json) }, json), 'igrant', ctx([secret], now + 301_000)).code, 'timestamp_too_old');
  assert.equal(verifyDelivery(delivery({ 'x-igrant-signature': sign(iso, json) }, json + ' '), 'igrant', ctx([secret], now)).code, 'no_match');
  for (const header of ['', 't=,sig=', `t=${iso},sig=`, `t=${iso},sig=abc`, 't=yesterday,sig=00', `sig=${'0'.repeat(64)}`]) {
    assert.equal(verifyDelivery(delivery({ 'x-igrant-signature': header }, json), 'igrant', ctx([secret], now)).accepted, false, header);
  }
});

test('Stripe, GitHub, generic HMAC and bearer', () => {
  const secret = 'whsec_stripe_test_secret';
  const body = '{"id":"evt_1"}';
  const t = 1_700_000_000;
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  const stripe = (h) => verifyDelivery(delivery({ 'stripe-signature': h }, body), 'auto', ctx([secret], t * 1000));
  assert.equal(stripe(`t=${t},v1=${v1}`).code, 'valid');
  assert.equal(stripe(`t=${t},v0=abc,v1=${'0'.repeat(64)},v1=${v1}`).code, 'valid');
  assert.equal(stripe(`t=${t},v1=`).accepted, false);
  assert.equal(stripe(`v1=${v1}`).code, 'bad_timestamp');
  // The key is the whole whsec_ string as UTF-8, not base64-decoded.
  assert.equal(verifyDelivery(delivery({ 'stripe-signature': `t=${t},v1=${v1}` }, body), 'stripe', ctx(['stripe_test_secret'], t * 1000)).accepted, false);

  const g = VECTORS.github;
  assert.equal(verifyDelivery(delivery({ 'x-hub-signature-256': g.header.toUpperCase().replace('SHA256=', 'sha256=') }, g.body), 'github', ctx([g.secret], 0)).accepted, true);
  assert.equal(verifyDelivery(delivery({ 'x-hub-signature-256': 'sha256=' }, g.body), 'github', ctx([g.secret], 0)).accepted, false);
  assert.equal(verifyDelivery(delivery({ 'x-hub-signature-256': g.header.slice(7) }, g.body), 'github', ctx([g.secret], 0)).accepted, false, 'prefix required');

  const hmacB64 = createHmac('sha256', 'k').update(body).digest('base64');
  const opts = { hmac: { header: 'x-my-sig', encoding: 'base64', prefix: 'sig=' } };
  assert.equal(verifyDelivery(delivery({ 'x-my-sig': `sig=${hmacB64}` }, body), 'hmac-sha256', ctx(['k'], 0, opts)).code, 'valid');
  assert.equal(verifyDelivery(delivery({ 'x-my-sig': `sig=${hmacB64}` }, body), 'auto', ctx(['k'], 0, opts)).code, 'valid');
  assert.equal(verifyDelivery(delivery({ 'x-my-sig': hmacB64 }, body), 'hmac-sha256', ctx(['k'], 0, opts)).accepted, false);
  const hex = createHmac('sha256', 'k').update(body).digest('hex');
  assert.equal(verifyDelivery(delivery({ 'x-signature': hex }, body), 'auto', ctx(['k'], 0)).code, 'valid');

  assert.equal(verifyDelivery(delivery({ authorization: 'Bearer tok-123' }, body), 'bearer', ctx(['other', 'tok-123'], 0)).secretIndex, 2);
  assert.equal(verifyDelivery(delivery({ authorization: 'Bearer tok-12' }, body), 'bearer', ctx(['tok-123'], 0)).accepted, false);
  assert.equal(verifyDelivery(delivery({}, body), 'auto', ctx(['tok-123'], 0)).code, 'unsigned');
});

test('accepted is not verified: scheme none accepts an unsigned delivery with code unsigned; auto refuses it', () => {
  const body = Buffer.from('{"a":1}');
  assert.deepEqual(verifyDelivery(delivery({}, body), 'none', ctx([], 0)), { accepted: true, scheme: 'none', code: 'unsigned', reason: 'not verified (scheme none)' });
  const auto = verifyDelivery(delivery({}, body), 'auto', ctx(['k'], 0));
  assert.equal(auto.accepted, false);
  assert.equal(auto.code, 'unsigned');
});

test('a wrong secret is worded the same for every scheme', () => {
  const body = Buffer.from('{"a":1}');
  const right = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const wrong = 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  const now = Math.floor(Date.now() / 1000);
  for (const name of /** @type {const} */ (['standard', 'svix', 'igrant', 'stripe', 'github', 'hmac-sha256', 'bearer'])) {
    const sign = SCHEMES[name].sign ?? ((_body, secret) => ({ authorization: `Bearer ${secret}` }));
    const headers = Object.fromEntries(Object.entries(sign(body, right, { id: 'msg_1', timestamp: now })).map(([k, v]) => [k.toLowerCase(), v]));
    const verdict = verifyDelivery({ headers, body }, name, { secrets: [wrong], toleranceSec: 300, nowMs: now * 1000 });
    assert.equal(verdict.code, 'no_match', name);
    assert.equal(verdict.reason, 'no signature matches any of 1 secret', name);
  }
});

test('scheme names come from one list: each scheme is named by its key in SCHEMES; the guards accept those names and nothing else', () => {
  for (const [key, scheme] of Object.entries(SCHEMES)) assert.equal(scheme.name, key);
  assert.deepEqual(SCHEME_NAMES, ['auto', ...Object.keys(SCHEMES), 'none']);
  for (const name of Object.keys(SCHEMES)) assert.ok(isSchemeName(name) && isSchemeChoice(name), name);
  assert.ok(isSchemeChoice('auto') && isSchemeChoice('none'));
  // A captured record's scheme is read from a file: inherited keys are not schemes.
  for (const text of ['auto', 'none', 'constructor', '__proto__', 'toString', 'Standard', '']) assert.equal(isSchemeName(text), false, text);
  assert.equal(isSchemeChoice('constructor'), false);
});
