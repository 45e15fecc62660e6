// The inspector against hostile captures (issue 25, findings 17, 18 and 19).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RecordStore } from '../../dist/inspector/store.js';
import { browserTest } from '../helpers/browser.mjs';
import { cleanEnv } from '../helpers/cli.mjs';
import { listen, readBody } from '../helpers/http.mjs';
import { openPage, startWithUi } from '../helpers/inspector.mjs';

const tmp = () => mkdtempSync(join(tmpdir(), 'ie-inspect-hard-'));

/**
 * A webhook record as listen --save writes it, with `request` and other fields as given.
 * @param {string} id
 * @param {Record<string, any>} [options]
 */
function webhook(id, { body = '{"type":"x"}', headers = { 'content-type': 'application/json' }, ...extra } = {}) {
  return {
    v: 1,
    source: 'webhook',
    receivedAt: '2026-11-24T10:00:00.000Z',
    provider: 'unknown',
    type: `type.${id}`,
    id,
    data: null,
    verified: false,
    scheme: 'none',
    reason: null,
    duplicate: false,
    request: { method: 'POST', path: '/hook', headers, body },
    ...extra,
  };
}

/** A capture file of these records. @param {object[]} records */
function captureFile(records) {
  const file = join(tmp(), 'hooks.ndjson');
  writeFileSync(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return file;
}

/** @param {string[]} files @param {(ui: Awaited<ReturnType<typeof startWithUi>>) => Promise<void>} fn */
async function inspecting(files, fn) {
  const ui = await startWithUi(['inspect', ...files, '--port', '0']);
  try {
    await fn(ui);
  } finally {
    ui.child.kill('SIGINT');
    await ui.result;
  }
}

browserTest('17. Copy as curl never makes curl read a file: a body starting with @, a header named @file, a URL that is an option', async (browser) => {
  const dir = tmp();
  const secret = join(dir, 'secret.txt');
  writeFileSync(secret, 'TOP-SECRET');
  /** @type {{ body: string, headers: import('node:http').IncomingHttpHeaders }[]} */
  const received = [];
  const app = await listen(async (req, res) => {
    received.push({ body: (await readBody(req)).toString('utf8'), headers: req.headers });
    res.end('ok');
  });
  const file = captureFile([
    webhook('at-body', { body: `@${secret}` }),
    webhook('at-header', { body: 'plain', headers: { 'content-type': 'text/plain', [`@${secret}`]: 'x' } }),
    webhook('dash-url', { url: `-o${join(dir, 'written-by-curl')}` }),
  ]);
  try {
    await inspecting([file], async (ui) => {
      const { page, errors } = await openPage(browser, ui.url);
      const copied = async (/** @type {number} */ row) => {
        await page.locator('[data-testid=row]').nth(row).click();
        await page.click('[data-testid=copy-curl]');
        return page.evaluate(() => document.body.dataset.curl ?? '');
      };
      // Newest first: dash-url, at-header, at-body. With no replay target, the URL is a placeholder, never the record's option-like "URL".
      assert.match(await copied(0), /^curl -X POST '<your-endpoint>' /);
      await page.fill('[data-testid=replay-to]', `${app.url}/app`);
      for (const row of [2, 1]) await promisify(execFile)('sh', ['-c', await copied(row)], { env: cleanEnv() });
      assert.deepEqual(
        received.map((r) => r.body),
        [`@${secret}`, 'plain'],
      );
      assert.doesNotMatch(JSON.stringify(received), /TOP-SECRET/);
      assert.deepEqual(errors, []);
    });
  } finally {
    await app.close();
  }
});

browserTest('18. records the capture reader accepts with odd field types are shown, never a TypeError or the previous detail left on screen', async (browser) => {
  const sse = (/** @type {string} */ id, /** @type {object} */ extra) => ({
    v: 1,
    source: 'sse',
    receivedAt: '2026-11-24T10:00:01.000Z',
    provider: 'waltid',
    type: `type.${id}`,
    id,
    data: { event: id },
    ...extra,
  });
  const file = captureFile([
    webhook('normal'),
    webhook('redacted-string', { redacted: 'session.issuerKey.jwk.d' }),
    sse('headers-null', { request: { headers: null } }),
    sse('request-odd', { request: { method: 5, path: null, headers: { a: 1, b: null }, body: { not: 'text' } }, redacted: [1, null], conflict: {}, url: { x: 1 } }),
    webhook('redacted-number', { redacted: 7, status: null, terminal: 'yes', sessionId: null }),
    sse('request-string', { request: 'GET /x', origin: 5 }),
  ]);
  await inspecting([file], async (ui) => {
    const { page, errors } = await openPage(browser, ui.url);
    const rows = page.locator('[data-testid=row]');
    assert.equal(await rows.count(), 6);
    // Newest first; each click must replace the detail with that record's.
    for (const [row, id] of [
      [5, 'normal'],
      [4, 'redacted-string'],
      [5, 'normal'],
      [3, 'headers-null'],
      [2, 'request-odd'],
      [1, 'redacted-number'],
      [0, 'request-string'],
    ]) {
      await rows.nth(/** @type {number} */ (row)).click();
      assert.equal(await page.textContent('[data-testid=detail-type]'), `type.${id}`, `the detail of ${id}`);
      assert.doesNotMatch((await page.textContent('#detail')) ?? '', /cannot be shown/, `the detail of ${id}`);
      await page.click('[data-testid=copy-curl]');
    }
    await rows.nth(4).click();
    assert.equal(await page.textContent('[data-field=redacted]'), 'session.issuerKey.jwk.d');
    assert.deepEqual(errors, []);
  });
});

test('19. the store counts what it holds: a parsed record is not kept beside its line, and a two-byte line counts two bytes a character', async () => {
  setFlagsFromString('--expose-gc');
  const gc = /** @type {() => void} */ (runInNewContext('gc'));
  // 150 records of ~48 KB of JSON each: 7 MB offered to a 4 MB bound (the ratios are what is tested;
  // a quarter of the first version's size, which cost 5 s of CPU).
  const maxBytes = 4 * 1024 * 1024;
  const store = new RecordStore({ maxBytes });
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 150; i++) {
    // Many small members: as objects they take several times their JSON size (what the old count missed).
    const data = {};
    for (let k = 0; k < 4000; k++) data[`k${k}`] = i % 2 ? k : `€${k}`;
    store.add(
      {
        v: 1,
        source: 'sse',
        receivedAt: new Date().toISOString(),
        provider: 'waltid',
        type: 'x',
        sessionId: `s${i % 7}`,
        id: String(i),
        status: null,
        terminal: false,
        duplicate: false,
        data,
      },
      'test',
    );
  }
  gc();
  const held = process.memoryUsage().heapUsed - before;
  assert.ok(store.size > 10, `only ${store.size} records kept`);
  assert.ok(held < 2 * maxBytes, `the store holds ${Math.round(held / 1024 / 1024)} MB for a bound of ${maxBytes / 1024 / 1024} MB`);
  // Records are still there to replay and to follow a session by.
  const last = store.get(150);
  assert.equal(last?.record.id, '149');
  assert.ok(store.bySession('s4').every((s) => s.record.sessionId === 's4'));
});
