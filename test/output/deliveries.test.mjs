// listen's delivery lines and the terminal's width (issue 22, finding 14).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import { Output } from '../../dist/output/output.js';
import { DeliveryRenderer } from '../../dist/output/renderers/deliveries.js';
import { displayWidth, fit, shorten } from '../../dist/output/width.js';
import { visibleWidth } from '../helpers/cli.mjs';

/**
 * A webhook delivery as the receiver reports it.
 * @param {{ status?: number, acceptance?: string, scheme?: string, path?: string, type?: string | null, state?: string | null, session?: string | null, id?: string | null }} fields
 */
function delivery({ status = 200, acceptance = 'verified', scheme = 'standard', path = '/', type = null, state = null, session = null, id = null }) {
  const record = {
    v: 1,
    source: 'webhook',
    receivedAt: '2026-11-24T10:00:00.123Z',
    provider: 'didx',
    type,
    sessionId: session,
    status: state,
    terminal: false,
    id,
    data: null,
    duplicate: false,
    verified: acceptance === 'verified',
    scheme,
    reason: status >= 400 ? 'no matching signature' : null,
    request: { method: 'POST', path, headers: {}, body: '{}' },
  };
  return /** @type {any} */ ({ status, acceptance, record, counted: status < 400, duplicate: false, ping: acceptance === 'ping' });
}

const DELIVERIES = [
  delivery({
    path: '/webhooks/issuer/tenant-0123456789',
    type: 'openid4vc.issuance.completed',
    state: 'SUCCESSFUL',
    session: '3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f',
    id: 'msg_2Qx8yFZrRsZ6K1t4m3DqXw0vA9B',
  }),
  delivery({ status: 401, acceptance: 'rejected', type: 'credential_request_sd_jwt_vc_succeeded', state: 'ACTIVE', session: '9b8a7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d' }),
  delivery({
    acceptance: 'unsigned',
    scheme: 'none',
    path: '/hooks',
    type: 'credential_offer_retrieved',
    session: '会话-发行者-凭证-会话-发行者-凭证',
    id: 'evt_0123456789abcdef',
  }),
  delivery({ acceptance: 'ping', scheme: 'none' }),
];

/**
 * The lines the renderer prints for DELIVERIES.
 * @param {number | undefined} width
 * @param {Record<string, string>} [env]
 */
function render(width, env = {}) {
  let text = '';
  const sink = /** @type {any} */ ({ isTTY: false, write: (/** @type {string} */ chunk) => (text += chunk) });
  const output = new Output({ stdout: sink, stderr: /** @type {any} */ ({ isTTY: false, write() {} }), env });
  const renderer = new DeliveryRenderer(output, undefined, width);
  for (const result of DELIVERIES) renderer.delivery(result);
  output.flush();
  return text.trimEnd().split('\n');
}

test('delivery lines fit the width given (80, 120 columns, colour or not): ids, the path, the session and the type give way, never the verdict or the status', () => {
  const whole = render(undefined);
  assert.equal(
    whole[0],
    '10:00:00.123  POST /webhooks/issuer/tenant-0123456789  standard  ✓ verified  openid4vc.issuance.completed  SUCCESSFUL  3f1c2d4e-5b6a-4c7d-8e9f-0a1b2c3d4e5f  msg_2Qx8yFZrRsZ6K1t4m3DqXw0vA9B',
  );
  assert.ok(visibleWidth(whole[0]) > 150, 'without a width, the line is whole (pipes and scripts)');
  for (const width of [80, 120]) {
    for (const env of [{}, { FORCE_COLOR: '1' }]) {
      const lines = render(width, env);
      assert.equal(lines.length, DELIVERIES.length);
      for (const [i, line] of lines.entries()) {
        assert.ok(visibleWidth(line) <= width, `${visibleWidth(line)} columns at ${width}: ${line}`);
        const plain = stripVTControlCharacters(line);
        assert.ok(plain.startsWith('10:00:00.123  POST /'), plain);
        assert.ok(plain.includes(['  ✓ verified', '  ✗ 401', '  unsigned', '  ping'][i]), `the verdict, whole: ${plain}`);
        const state = DELIVERIES[i].record.status;
        if (state) assert.ok(plain.includes(`  ${state}`), `the status, whole: ${plain}`);
      }
      // A line that fits is left as it is.
      assert.equal(stripVTControlCharacters(lines[3]), whole[3]);
    }
  }
  // What gives way first: at 120 the delivery id goes, the path and the session are cut in the
  // middle; at 80 the session goes too and the type is cut.
  assert.equal(render(120)[0], '10:00:00.123  POST /webhook…3456789  standard  ✓ verified  openid4vc.issuance.completed  SUCCESSFUL  3f1c2d4e-…b2c3d4e5f');
  assert.equal(render(80)[0], '10:00:00.123  POST /web…789  standard  ✓ verified  openid4v…ompleted  SUCCESSFUL');
});

test("the width lines fit: COLUMNS when given, else the terminal's, and none for a pipe (whole lines for scripts)", () => {
  const make = (/** @type {any} */ stdout, /** @type {Record<string, string>} */ env) => new Output({ stdout, stderr: /** @type {any} */ ({ isTTY: false, write() {} }), env });
  const tty = /** @type {any} */ ({ isTTY: true, columns: 120, write() {}, getColorDepth: () => 8 });
  const pipe = /** @type {any} */ ({ isTTY: false, write() {} });
  assert.equal(make(tty, {}).columns, 120);
  assert.equal(make(tty, { COLUMNS: '80' }).columns, 80);
  assert.equal(make(pipe, {}).columns, undefined);
  assert.equal(make(pipe, { COLUMNS: '100' }).columns, 100);
  assert.equal(make(pipe, { COLUMNS: 'wide' }).columns, undefined);
  assert.equal(make({ ...tty, columns: 0 }, {}).columns, undefined, 'a pty without a size');
});

test('cutting to a width counts columns, not characters: wide characters take two, marks none', () => {
  assert.equal(displayWidth('✓ verified'), 10);
  assert.equal(displayWidth('会话'), 4);
  assert.equal(displayWidth('e\u0301'), 1);
  assert.equal(shorten('msg_2Qx8yFZrRsZ6K1t4m3DqXw0vA9B', 12), 'msg_2Q…0vA9B');
  assert.equal(shorten('short', 12), 'short');
  assert.equal(fit('openid4vc.issuance.completed', 10), 'openid4vc…');
  for (let width = 1; width <= 12; width++) {
    for (const text of ['会话-发行者-凭证', 'abc会话def', 'msg_2Qx8yFZrRsZ6K1t4m3DqXw0vA9B']) {
      assert.ok(visibleWidth(shorten(text, width)) <= width, `shorten(${text}, ${width}) = ${shorten(text, width)}`);
      assert.ok(visibleWidth(fit(text, width)) <= width, `fit(${text}, ${width}) = ${fit(text, width)}`);
    }
  }
});
