import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { parseNdjson, startListen } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { borrowPage, browserTest } from '../helpers/browser.mjs';
import { openPage, raw, startWithUi } from '../helpers/inspector.mjs';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

test('the inspector refuses foreign Host names, a stream or a replay without the token, and cross-site actions', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'inspect-'));
  const file = join(dir, 'empty.ndjson');
  writeFileSync(file, '');
  const ui = await startWithUi(['inspect', file, '--port', '0']);
  try {
    const page = await raw(ui.origin, '/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.doesNotMatch(page.text, /https?:\/\/(?!127\.0\.0\.1)[a-z]/i, 'no asset from elsewhere (no CDN)');
    assert.equal((await raw(ui.origin, '/', { headers: { host: 'evil.example:4040' } })).status, 403);
    assert.equal((await raw(ui.origin, '/', { headers: { host: 'localhost' } })).status, 200);
    assert.equal((await raw(ui.origin, '/api/stream')).status, 403);
    assert.equal((await raw(ui.origin, `/api/stream?token=${ui.token}`)).status, 200);
    const json = { 'content-type': 'application/json' };
    const body = JSON.stringify({ seqs: [1], to: 'http://127.0.0.1:9/' });
    const noToken = await raw(ui.origin, '/api/replay', { method: 'POST', headers: json, body });
    assert.equal(noToken.status, 403);
    assert.match(noToken.text, /missing or wrong inspector token/);
    const crossSite = await raw(ui.origin, '/api/replay', { method: 'POST', headers: { ...json, 'x-inspector-token': ui.token, origin: 'http://evil.example' }, body });
    assert.equal(crossSite.status, 403);
    assert.match(crossSite.text, /cross-origin request from http:\/\/evil\.example/);
    const fetchSite = await raw(ui.origin, '/api/replay', { method: 'POST', headers: { ...json, 'x-inspector-token': ui.token, 'sec-fetch-site': 'cross-site' }, body });
    assert.equal(fetchSite.status, 403);
    const form = await raw(ui.origin, '/api/replay', { method: 'POST', headers: { 'content-type': 'text/plain', 'x-inspector-token': ui.token }, body });
    assert.equal(form.status, 403);
    const allowed = await raw(ui.origin, '/api/replay', { method: 'POST', headers: { ...json, 'x-inspector-token': ui.token }, body });
    assert.equal(allowed.status, 400, 'past the checks: record 1 does not exist in an empty capture');
    assert.match(allowed.text, /no record 1/);
  } finally {
    ui.child.kill('SIGINT');
    assert.equal((await ui.result).code, 130);
  }
});

test('inspect: a missing capture file is a usage error naming it', async () => {
  const r = await runInProcess(['inspect', '/nonexistent/hooks.ndjson', '--port', '0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: cannot read capture file \/nonexistent\/hooks\.ndjson: ENOENT\n$/);
});

browserTest('listen --ui: a delivery appears in the page within a second; filters narrow the list', async (browser) => {
  const l = await startWithUi(['listen', '--port', '0', '--ui', '--ui-port', '0', '--allow-unsigned', '--secret', SECRET]);
  try {
    const hook = /Ready! Listening on (\S+)/.exec(l.stderr())[1];
    const { page, errors } = await openPage(browser, l.url);
    // Signed by the official library and sent from here, so the time measured is listen's and the page's.
    const body = JSON.stringify({ eventType: 'openid4vc.issuance.completed', payload: { openId4VcIssuanceId: 'didx-1' } });
    const now = new Date();
    const signature = new StandardWebhook(SECRET).sign('msg_first', now, body);
    const sent = Date.now();
    const headers = {
      'content-type': 'application/json',
      'webhook-id': 'msg_first',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    };
    const response = await fetch(hook, { method: 'POST', headers, body });
    assert.equal(response.status, 200);
    await page.waitForSelector('[data-testid=row]:has-text("openid4vc.issuance.completed")', { timeout: 1000 });
    const shownAfterMs = Date.now() - sent;
    for (const args of [
      ['credential.creation.failed', '--secret', SECRET, '--session', 'cm-1'],
      ['openid.credential.credential_issued', '--scheme', 'none', '--session', 'ig-1'],
      ['credential_request_sd_jwt_vc_succeeded', '--session', 'wd-1'],
    ]) {
      assert.equal((await runInProcess(['trigger', args[0], '--to', hook, ...args.slice(1)])).code, 0);
    }
    await page.waitForFunction(() => document.querySelector('[data-testid=count]')?.textContent === '4 records');
    await page.selectOption('[data-testid=filter-provider]', 'crossmint');
    assert.deepEqual(await page.locator('[data-testid=row] span:nth-child(5)').allTextContents(), ['cm-1']);
    await page.selectOption('[data-testid=filter-provider]', '');
    await page.selectOption('[data-testid=filter-verdict]', 'unsigned');
    assert.deepEqual((await page.locator('[data-testid=row] span:nth-child(5)').allTextContents()).sort(), ['ig-1', 'wd-1']);
    await page.fill('[data-testid=filter-text]', 'sd_jwt');
    assert.deepEqual(await page.locator('[data-testid=row] span:nth-child(5)').allTextContents(), ['wd-1']);
    await page.fill('[data-testid=filter-text]', '');
    await page.selectOption('[data-testid=filter-verdict]', '');
    await page.fill('[data-testid=filter-session]', 'didx');
    assert.deepEqual(await page.locator('[data-testid=row] span:nth-child(4)').allTextContents(), ['openid4vc.issuance.completed']);
    await page.fill('[data-testid=filter-session]', '');
    await page.selectOption('[data-testid=filter-type]', 'credential.creation.failed');
    assert.equal(await page.textContent('[data-testid=count]'), '1 of 4 records');
    await page.locator('[data-testid=row]').first().click();
    assert.equal(await page.textContent('[data-testid=detail-type]'), 'credential.creation.failed');
    assert.match(await page.textContent('[data-field=verdict]'), /^verified 2\d\d$/);
    assert.match(await page.textContent('#detail'), /svix-signature/);
    await page.click('[data-testid=copy-curl]');
    const curl = await page.evaluate(() => document.body.dataset.curl);
    assert.match(curl, /^curl -X POST '.*' -H 'content-type: application\/json' .*-H 'svix-id: msg_[0-9a-f]+' .*--data-raw '\{"type":"credential\.creation\.failed"/);
    assert.deepEqual(errors, []);
    console.log(`# listen --ui: delivery shown in the page ${shownAfterMs} ms after it was sent`);
  } finally {
    l.child.kill('SIGINT');
    await l.result;
  }
});

browserTest('a payload with <script> and <img onerror> stays inert text', async (browser) => {
  const l = await startWithUi(['listen', '--port', '0', '--ui', '--ui-port', '0', '--allow-unsigned']);
  try {
    const hook = /Ready! Listening on (\S+)/.exec(l.stderr())[1];
    const { page, errors } = await openPage(browser, l.url);
    const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    const body = JSON.stringify({ type: evil, sessionId: '<b>s</b>', data: { note: evil } });
    await fetch(`${hook}?q=<svg/onload=alert(1)>`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-evil': evil }, body });
    await page.waitForSelector('[data-testid=row]');
    await page.locator('[data-testid=row]').first().click();
    await page.click('#tab-timeline');
    await page.click('#tab-list');
    assert.equal(await page.textContent('[data-testid=detail-type]'), evil);
    assert.match(await page.textContent('[data-testid=body]'), /<script>window\.__pwned=2<\/script>/);
    assert.equal(await page.evaluate(() => /** @type {any} */ (window).__pwned), undefined);
    assert.equal(await page.locator('img, svg, b').count(), 0);
    assert.equal(await page.locator('script').count(), 1, 'only the page script');
    assert.deepEqual(errors, []);
  } finally {
    l.child.kill('SIGINT');
    await l.result;
  }
});

browserTest('the replay button re-sends a delivery, re-signed, that a second listener receives and verifies', async (browser) => {
  const second = await startListen(['--secret', SECRET, '--json', '--count', '1', '--timeout', '60s']);
  const first = await startWithUi(['listen', '--port', '0', '--ui', '--ui-port', '0', '--secret', SECRET]);
  try {
    const hook = /Ready! Listening on (\S+)/.exec(first.stderr())[1];
    assert.equal((await runInProcess(['trigger', 'openid4vc.issuance.failed', '--to', hook, '--secret', SECRET, '--session', 'replay-me'])).code, 0);
    const { page, errors } = await openPage(browser, first.url);
    await page.locator('[data-testid=row]').first().click();
    await page.fill('[data-testid=replay-to]', `${second.url}replayed`);
    await page.click('[data-testid=replay]');
    await page.waitForSelector('[data-testid=replay-result].ok', { timeout: 10_000 });
    assert.match(await page.textContent('[data-testid=replay-result]'), /^1\/1 delivered to http:\/\/127\.0\.0\.1:\d+\/replayed \(2\d\d\), re-signed standard$/);
    const done = await second.result;
    assert.equal(done.code, 0, done.stderr);
    const [record] = parseNdjson(done.stdout).filter((r) => r.source === 'webhook');
    assert.equal(record.verified, true);
    assert.equal(record.scheme, 'standard');
    assert.equal(record.type, 'openid4vc.issuance.failed');
    assert.equal(record.sessionId, 'replay-me');
    assert.equal(record.request.path, '/replayed');
    assert.deepEqual(errors, []);
  } finally {
    first.child.kill('SIGINT');
    await first.result;
    second.child.kill('SIGINT');
  }
});

browserTest('sandbox --ui: the timeline of an issuance shows its steps in order across both channels', async (browser) => {
  const webhooks = await startListen(['--allow-unsigned']);
  const sandbox = await startWithUi(['sandbox', '--port', '0', '--ui', '--ui-port', '0']);
  try {
    const base = /Sandbox issuer on (\S+)/.exec(sandbox.stderr())[1];
    const { page, errors } = await openPage(browser, sandbox.url);
    const claim = await runInProcess([
      'offer',
      'create',
      '--profile',
      'identityCredentialSdJwt',
      '--base-url',
      base,
      '--webhook-url',
      webhooks.url,
      '--session-id',
      'timeline-1',
      '--claim',
      '--timeout',
      '30s',
    ]);
    assert.equal(claim.code, 0, claim.stderr);
    await page.click('#tab-timeline');
    await page.waitForFunction(() => (document.querySelector('[data-session="timeline-1"] .badge')?.textContent ?? '') === 'SUCCESSFUL', undefined, { timeout: 10_000 });
    const steps = await page
      .locator('[data-session="timeline-1"] li')
      .evaluateAll((items) => items.map((li) => [/** @type {HTMLElement} */ (li).dataset.step, /** @type {HTMLElement} */ (li).dataset.channel]));
    const order = (channel) =>
      steps
        .filter(([, c]) => c === channel)
        .map(([s]) => s)
        .filter((s, i, all) => s !== all[i - 1]);
    assert.deepEqual(order('webhook'), ['offer created', 'offer retrieved', 'token', 'credential', 'status']);
    // SSE: credential_offer_created goes to the issuer-wide stream, not the session's (walt.id).
    assert.deepEqual(order('sse'), ['offer created', 'offer retrieved', 'token', 'credential', 'status']);
    assert.equal(await page.locator('[data-session="timeline-1"] .marker.webhook').count(), steps.filter(([, c]) => c === 'webhook').length);
    await page.locator('[data-session="timeline-1"]').screenshot({ path: join(mkdtempSync(join(tmpdir(), 'shot-')), 'timeline.png') });
    await page.locator('[data-session="timeline-1"] .marker.webhook').nth(4).click();
    if (process.env.UPDATE_SCREENSHOT) await page.screenshot({ path: new URL('../../docs/inspector-timeline.png', import.meta.url).pathname });
    assert.deepEqual(errors, []);
  } finally {
    sandbox.child.kill('SIGINT');
    await sandbox.result;
    webhooks.child.kill('SIGINT');
  }
});

browserTest('inspect: 10,000 captured records render without freezing the tab; lines appended later appear', async (browser) => {
  const dir = mkdtempSync(join(tmpdir(), 'inspect-'));
  const file = join(dir, 'hooks.ndjson');
  const lines = [];
  const start = Date.parse('2026-11-24T00:00:00Z');
  for (let i = 0; i < 10_000; i++) {
    const data = {
      eventType: i % 10 === 0 ? 'openid4vc.issuance.failed' : 'openid4vc.issuance.completed',
      payload: { openId4VcIssuanceId: `s-${i % 500}`, n: i, pad: 'x'.repeat(300) },
    };
    const body = JSON.stringify(data);
    lines.push(
      JSON.stringify({
        v: 1,
        source: 'webhook',
        receivedAt: new Date(start + i * 100).toISOString(),
        provider: 'didx',
        type: data.eventType,
        sessionId: data.payload.openId4VcIssuanceId,
        status: i % 10 === 0 ? 'FAILED' : 'SUCCESSFUL',
        terminal: true,
        id: `msg_${i}`,
        data,
        duplicate: false,
        verified: true,
        scheme: 'standard',
        reason: null,
        acceptance: 'verified',
        responseStatus: 200,
        request: { method: 'POST', path: '/hook', headers: { 'content-type': 'application/json', 'webhook-id': `msg_${i}` }, body },
      }),
    );
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  const ui = await startWithUi(['inspect', file, '--port', '0']);
  try {
    const page = await borrowPage(browser);
    const started = Date.now();
    await page.goto(ui.url);
    await page.waitForFunction(() => document.querySelector('[data-testid=count]')?.textContent === '10000 records', undefined, { timeout: 30_000 });
    const renderMs = Date.now() - started;
    // Responsive afterwards: a filter over all 10,000 records answers quickly.
    const filterStarted = Date.now();
    await page.fill('[data-testid=filter-session]', 's-7');
    await page.waitForFunction(() => document.querySelector('[data-testid=count]')?.textContent?.startsWith('220 of 10000'));
    const filterMs = Date.now() - filterStarted;
    assert.ok((await page.locator('[data-testid=row]').count()) < 100, 'only visible rows are in the page');
    console.log(`# inspect: 10,000 records rendered in ${renderMs} ms; a session filter over them in ${filterMs} ms`);
    assert.ok(renderMs < 15_000, `10,000 records took ${renderMs} ms`);
    await page.fill('[data-testid=filter-session]', '');
    appendFileSync(file, `${lines[0].replace('"msg_0"', '"msg_late"').replace('"s-0"', '"late-session"')}\n`);
    await page.waitForFunction(() => document.querySelector('[data-testid=count]')?.textContent === '10001 records', undefined, { timeout: 10_000 });
  } finally {
    ui.child.kill('SIGINT');
    await ui.result;
  }
});
