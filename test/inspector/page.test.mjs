// What the inspector's page shows of a record, and how it reads at a small size (issue 22, finding 13).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cleanEnv } from '../helpers/cli.mjs';
import { browserTest } from '../helpers/browser.mjs';
import { openPage, startWithUi } from '../helpers/inspector.mjs';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/**
 * One webhook record as `listen --save` writes it.
 * @param {{ at: string, session?: string, id?: string, url?: string }} fields
 */
function captured({ at, session = 's-1', id = 'msg_1', url }) {
  const data = { eventType: 'openid4vc.issuance.completed', payload: { openId4VcIssuanceId: session } };
  const body = JSON.stringify(data);
  return JSON.stringify({
    v: 1,
    source: 'webhook',
    receivedAt: at,
    provider: 'didx',
    type: data.eventType,
    sessionId: session,
    status: 'SUCCESSFUL',
    terminal: true,
    id,
    data,
    duplicate: false,
    verified: true,
    scheme: 'standard',
    reason: null,
    acceptance: 'verified',
    responseStatus: 200,
    request: { method: 'POST', path: '/hook', headers: { 'content-type': 'application/json', 'webhook-id': id }, body },
    ...(url ? { url } : {}),
  });
}

/** A capture file holding these lines. @param {string[]} lines */
function captureFile(lines) {
  const file = join(mkdtempSync(join(tmpdir(), 'inspect-page-')), 'hooks.ndjson');
  writeFileSync(file, lines.map((line) => `${line}\n`).join(''));
  return file;
}

/** `inspect` on a capture file, stopped (and its exit checked) after `fn`. @param {string[]} args @param {(ui: Awaited<ReturnType<typeof startWithUi>>) => Promise<void>} fn */
async function inspecting(args, fn) {
  const ui = await startWithUi(['inspect', ...args, '--port', '0']);
  try {
    await fn(ui);
  } finally {
    ui.child.kill('SIGINT');
    assert.equal((await ui.result).code, 130);
  }
}

browserTest('a rejected delivery shows its body as received: pretty-printed when it parses as JSON, as is when it does not', async (browser) => {
  const l = await startWithUi(['listen', '--port', '0', '--ui', '--ui-port', '0', '--secret', SECRET]);
  try {
    const hook = /Ready! Listening on (\S+)/.exec(l.stderr())[1];
    const { page, errors } = await openPage(browser, l.url);
    const json = JSON.stringify({ eventType: 'openid4vc.issuance.failed', payload: { openId4VcIssuanceId: 'rejected-1' } });
    const bad = { 'webhook-id': 'msg_bad', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' };
    assert.equal((await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...bad }, body: 'a=1&b=2' })).status, 401);
    assert.equal((await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json', ...bad }, body: json })).status, 401);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=row]').length === 2);
    // Newest first: the JSON body, then the form.
    await page.locator('[data-testid=row]').nth(0).click();
    assert.match(await page.textContent('[data-field=verdict]'), /^rejected/);
    assert.equal(await page.textContent('[data-testid=body]'), JSON.stringify(JSON.parse(json), null, 2));
    await page.click('[data-testid=body-toggle]');
    assert.equal(await page.textContent('[data-testid=body]'), json);
    await page.locator('[data-testid=row]').nth(1).click();
    assert.equal(await page.textContent('[data-testid=body]'), 'a=1&b=2');
    assert.deepEqual(errors, []);
  } finally {
    l.child.kill('SIGINT');
    await l.result;
  }
});

browserTest("Copy as curl with no replay target sends to the path the delivery came in on, at listen's own address; the command works", async (browser) => {
  const l = await startWithUi(['listen', '--port', '0', '--ui', '--ui-port', '0', '--allow-unsigned']);
  try {
    const hook = /Ready! Listening on (\S+)/.exec(l.stderr())[1];
    const { page, errors } = await openPage(browser, l.url);
    const body = JSON.stringify({ eventType: 'openid4vc.issuance.completed', payload: { openId4VcIssuanceId: 'curl-1' } });
    const target = new URL('/hooks/issuer', hook).href;
    assert.equal((await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status, 200);
    await page.locator('[data-testid=row]').first().click();
    await page.click('[data-testid=copy-curl]');
    const curl = await page.evaluate(() => document.body.dataset.curl ?? '');
    assert.ok(curl.startsWith(`curl -X POST '${target}' `), curl);
    // The copied command, run as a user would paste it, delivers the same body to the same path.
    await promisify(execFile)('sh', ['-c', curl], { env: cleanEnv() });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=row]').length === 2);
    await page.locator('[data-testid=row]').first().click();
    assert.equal(await page.textContent('#detail h3'), 'POST /hooks/issuer');
    assert.equal(await page.textContent('[data-testid=body]'), JSON.stringify(JSON.parse(body), null, 2));
    assert.deepEqual(errors, []);
  } finally {
    l.child.kill('SIGINT');
    await l.result;
  }
});

browserTest('Copy as curl from a capture file with no replay target: an explicit placeholder, or the URL the sandbox delivered to', async (browser) => {
  const file = captureFile([
    captured({ at: '2026-11-24T10:00:00.000Z', id: 'msg_sent', url: 'http://127.0.0.1:3000/webhooks/sandbox' }),
    captured({ at: '2026-11-24T10:00:01.000Z', id: 'msg_listened' }),
  ]);
  await inspecting([file], async (ui) => {
    const { page, errors } = await openPage(browser, ui.url);
    // Newest first: the one listen captured (its listener's address is not known here).
    await page.locator('[data-testid=row]').nth(0).click();
    await page.click('[data-testid=copy-curl]');
    assert.match(await page.evaluate(() => document.body.dataset.curl ?? ''), /^curl -X POST '<your-endpoint>' -H /);
    // The note follows the clipboard's answer, which comes later than the click.
    await page.waitForFunction(() => /<your-endpoint>/.test(document.querySelector('[data-testid=replay-result]')?.textContent ?? ''), undefined, { timeout: 10_000 });
    await page.locator('[data-testid=row]').nth(1).click();
    await page.click('[data-testid=copy-curl]');
    assert.match(await page.evaluate(() => document.body.dataset.curl ?? ''), /^curl -X POST 'http:\/\/127\.0\.0\.1:3000\/webhooks\/sandbox' -H /);
    assert.deepEqual(errors, []);
  });
});

browserTest('the "Replay to" placeholder reads as a hint, not a value, and is never sent as one', async (browser) => {
  const file = captureFile([captured({ at: '2026-11-24T10:00:00.000Z' })]);
  await inspecting([file], async (ui) => {
    const { page, errors } = await openPage(browser, ui.url);
    const field = page.locator('[data-testid=replay-to]');
    assert.equal(await field.inputValue(), '');
    const hint = (await field.getAttribute('placeholder')) ?? '';
    assert.throws(() => new URL(hint), TypeError, `a placeholder that parses as a URL looks like one: ${hint}`);
    const look = await field.evaluate((input) => {
      const placeholder = getComputedStyle(input, '::placeholder');
      return { style: placeholder.fontStyle, color: placeholder.color, text: getComputedStyle(input).color };
    });
    assert.equal(look.style, 'italic');
    assert.notEqual(look.color, look.text);
    await page.locator('[data-testid=row]').first().click();
    await page.click('[data-testid=replay]');
    await page.waitForSelector('[data-testid=replay-result].bad');
    assert.match(await page.textContent('[data-testid=replay-result]'), /^replay failed: no target: /);
    assert.deepEqual(errors, []);
  });
});

browserTest('at 800 px wide, the list (its header and its rows) and the detail pane do not overlap', async (browser) => {
  const file = captureFile([captured({ at: '2026-11-24T10:00:00.000Z', session: 'a-session-id-long-enough-to-need-its-column' })]);
  await inspecting([file], async (ui) => {
    const { page, errors } = await openPage(browser, ui.url, { width: 800 });
    await page.locator('[data-testid=row]').first().click();
    const detail = await page.locator('[data-testid=detail]').boundingBox();
    assert.ok(detail && detail.width > 0);
    for (const selector of ['.row.head > span', '[data-testid=row] > span']) {
      for (const cell of await page.locator(selector).all()) {
        const box = await cell.boundingBox();
        assert.ok(box);
        const apart = box.x + box.width <= detail.x || detail.x + detail.width <= box.x || box.y + box.height <= detail.y || detail.y + detail.height <= box.y;
        assert.ok(apart, `${selector} "${await cell.textContent()}" at ${JSON.stringify(box)} overlaps the detail pane at ${JSON.stringify(detail)}`);
      }
    }
    assert.deepEqual(errors, []);
  });
});

test('inspect --host 0.0.0.0 prints a URL that works: a loopback name and the port, whose page answers 200', async () => {
  const file = captureFile([]);
  for (const host of ['0.0.0.0', '::']) {
    await inspecting([file, '--host', host], async (ui) => {
      assert.equal((await fetch(ui.url)).status, 200, `${ui.url} answers`);
      assert.match(ui.url, /^http:\/\/(127\.0\.0\.1|\[::1\]):\d+\/#token=/);
      const stream = await fetch(`${ui.origin}/api/stream?token=${ui.token}`);
      assert.equal(stream.status, 200);
      await stream.body?.cancel();
    });
  }
});

browserTest('count labels agree with their number: 1 record, 0 of 1 record, 1 event', async (browser) => {
  const file = captureFile([captured({ at: '2026-11-24T10:00:00.000Z', session: 'one' })]);
  await inspecting([file], async (ui) => {
    const { page, errors } = await openPage(browser, ui.url);
    assert.equal(await page.textContent('[data-testid=count]'), '1 record');
    await page.fill('[data-testid=filter-text]', 'matches nothing');
    assert.equal(await page.textContent('[data-testid=count]'), '0 of 1 record');
    await page.fill('[data-testid=filter-text]', '');
    await page.click('#tab-timeline');
    assert.equal(await page.textContent('[data-session="one"] .session-head .hint'), '1 event over 0.00 s');
    assert.deepEqual(errors, []);
  });
});

browserTest("times carry their date: in each time cell's title and in the detail always, in the list once the records span more than one day", async (browser) => {
  const file = captureFile([captured({ at: '2026-11-24T12:00:00.000Z', id: 'msg_noon' }), captured({ at: '2026-11-24T23:59:59.500Z', id: 'msg_late' })]);
  await inspecting([file], async (ui) => {
    const { page, errors } = await openPage(browser, ui.url, { timezoneId: 'UTC' });
    const times = () =>
      page
        .locator('[data-testid=row] > span:first-child')
        .evaluateAll((cells) => cells.map((cell) => ({ text: cell.textContent, title: cell.getAttribute('title'), cut: cell.scrollWidth > cell.clientWidth })));
    assert.deepEqual(await times(), [
      { text: '23:59:59.500', title: '2026-11-24T23:59:59.500Z', cut: false },
      { text: '12:00:00.000', title: '2026-11-24T12:00:00.000Z', cut: false },
    ]);
    await page.locator('[data-testid=row]').first().click();
    assert.match(await page.textContent('[data-field=received]'), /^2026-11-24 23:59:59\.500 /);
    // Two seconds later, but the next day: now the list shows dates.
    appendFileSync(file, `${captured({ at: '2026-11-25T00:00:01.000Z', id: 'msg_next_day' })}\n`);
    await page.waitForFunction(() => document.querySelector('[data-testid=count]')?.textContent === '3 records');
    assert.deepEqual(await times(), [
      { text: '2026-11-25 00:00:01.000', title: '2026-11-25T00:00:01.000Z', cut: false },
      { text: '2026-11-24 23:59:59.500', title: '2026-11-24T23:59:59.500Z', cut: false },
      { text: '2026-11-24 12:00:00.000', title: '2026-11-24T12:00:00.000Z', cut: false },
    ]);
    assert.deepEqual(errors, []);
  });
});
