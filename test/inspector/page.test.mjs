// What the inspector's page shows of a record, and how it reads at a small size (issue 22, finding 13).
import assert from 'node:assert/strict';
import { browserTest } from '../helpers/browser.mjs';
import { openPage, startWithUi } from '../helpers/inspector.mjs';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

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
