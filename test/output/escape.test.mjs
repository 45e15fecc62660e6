import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeControl, escapeLine } from '../../dist/shared/escape.js';
import { colorLevel } from '../../dist/output/color.js';
import { maskSecret, maskSecrets } from '../../dist/shared/redact.js';
import { capturedRequest } from '../../dist/capture/record.js';

test('escapeControl keeps \\n and \\t, escapes ESC, other C0, DEL and C1', () => {
  assert.equal(escapeControl('a\nb\tc'), 'a\nb\tc');
  assert.equal(escapeControl('\u001b[2J\u0007\r\u007f\u0085\u009b'), '\\x1b[2J\\x07\\r\\x7f\\x85\\x9b');
  assert.equal(escapeControl('ünïcødé ✓'), 'ünïcødé ✓');
  assert.equal(escapeLine('a\nb\tc'), 'a\\nb\\tc');
});

test('colorLevel: --no-color > NO_COLOR > FORCE_COLOR > TTY', () => {
  const tty = /** @type {any} */ ({ isTTY: true, getColorDepth: () => 8 });
  const pipe = /** @type {any} */ ({ isTTY: false });
  assert.equal(colorLevel(tty, { env: {} }), 2);
  assert.equal(colorLevel(pipe, { env: {} }), 0);
  assert.equal(colorLevel(pipe, { env: { FORCE_COLOR: '1' } }), 1);
  assert.equal(colorLevel(pipe, { env: { FORCE_COLOR: '3' } }), 3);
  assert.equal(colorLevel(tty, { env: { FORCE_COLOR: '0' } }), 0);
  assert.equal(colorLevel(tty, { env: { NO_COLOR: '1', FORCE_COLOR: '1' } }), 0);
  assert.equal(colorLevel(tty, { env: { NO_COLOR: '' } }), 2, 'an empty NO_COLOR is ignored');
  assert.equal(colorLevel(tty, { env: { FORCE_COLOR: '1' }, color: false }), 0);
  assert.equal(colorLevel(tty, { env: { TERM: 'dumb' } }), 0);
});

test('secrets are masked and credential headers redacted', () => {
  assert.match(maskSecret('short'), /^…#[0-9a-f]{6}$/);
  assert.match(maskSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), /^whsec_…#[0-9a-f]{6}$/);
  assert.notEqual(maskSecret('secret-one'), maskSecret('secret-two'));
  const req = capturedRequest('POST', '/', { authorization: 'Bearer x', cookie: 'a=b', 'webhook-id': 'm', 'x-list': ['a', 'b'] }, Buffer.from([0xff, 0x00]));
  assert.deepEqual(req.headers, { authorization: '[redacted]', cookie: '[redacted]', 'webhook-id': 'm', 'x-list': 'a, b' });
  assert.equal(req.body, undefined);
  assert.equal(req.bodyBase64, '/wA=');
});

test('maskSecrets masks whole values in JSON, form bodies, offer URIs and text; JSON stays JSON', () => {
  const offer = { grants: { 'urn:ietf:params:oauth:grant-type:pre-authorized_code': { 'pre-authorized_code': 'Z9SnQ2', tx_code: { length: 6 } } } };
  const json = JSON.stringify({ access_token: 'tok123', txCodeValue: '493536', c_nonce: 'n', jwk: { kty: 'EC', d: 'private', x: 'pub' }, ...offer });
  assert.deepEqual(JSON.parse(maskSecrets(json)), {
    access_token: '[masked]',
    txCodeValue: '[masked]',
    c_nonce: 'n',
    jwk: { kty: 'EC', d: '[redacted]', x: 'pub' },
    grants: { 'urn:ietf:params:oauth:grant-type:pre-authorized_code': { 'pre-authorized_code': '[masked]', tx_code: { length: 6 } } },
  });
  assert.equal(
    maskSecrets('pre-authorized_code=Z9Sn%2BQ&grant_type=x&tx_code=493536&user_pin=493536'),
    'pre-authorized_code=[masked]&grant_type=x&tx_code=[masked]&user_pin=[masked]',
  );
  // An offer passed by value carries its pre-authorized code inside a URI, itself inside JSON.
  const uri = `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(offer))}`;
  const shown = JSON.parse(maskSecrets(JSON.stringify({ credentialOffer: uri })));
  const inner = JSON.parse(new URL(shown.credentialOffer).searchParams.get('credential_offer') ?? '');
  assert.equal(inner.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'], '[masked]');
  assert.equal(maskSecrets('not json, "access_token": "tok123" and tx_code=493536'), 'not json, "access_token": "[masked]" and tx_code=[masked]');
  assert.equal(maskSecrets('{"plain":"nothing secret"}'), '{"plain":"nothing secret"}');
});

test('spinners only on a sized interactive stderr, never with --json, --quiet or CI', async () => {
  const { Output } = await import('../../dist/output/output.js');
  const tty = (columns) => /** @type {any} */ ({ isTTY: true, columns, write() {}, getColorDepth: () => 8 });
  const make = (stderr, opts = {}, env = {}) => new Output({ stderr, stdout: tty(80), env, ...opts });
  assert.equal(make(tty(80)).interactive, true);
  assert.equal(make(tty(0)).interactive, false, 'a pty without a size');
  assert.equal(make({ isTTY: false, write() {} }).interactive, false);
  assert.equal(make(tty(80), { json: true }).interactive, false);
  assert.equal(make(tty(80), { quiet: true }).interactive, false);
  assert.equal(make(tty(80), {}, { CI: 'true' }).interactive, false);
  assert.equal(make(tty(80), {}, { CI: 'false' }).interactive, true);
});
