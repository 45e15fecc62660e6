import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { releaseAtEnd } from './cleanup.mjs';

/** Debian's chromium (`.ci/run` installs it); no browser is downloaded. */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', process.env.CHROMIUM_PATH ?? ''].find((p) => p && existsSync(p));

// Flags a root, offline CI machine needs: no sandbox (root), no GPU, no background connections.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** @type {Promise<import('playwright-core').Browser> | undefined} */
let shared;

/**
 * One browser per test file, started by its first browser test and closed when the file's tests
 * end (a launch costs about a second of CPU). Each test opens its own pages, and so its own
 * browser contexts: nothing is shared between tests but the browser process.
 */
async function sharedBrowser() {
  const current = await shared;
  if (current?.isConnected()) return current;
  shared = launchBrowser();
  const browser = await shared;
  releaseAtEnd(() => browser.close());
  return browser;
}

/**
 * Pages a finished test gave back, for the next tests of the file, by time zone (a context option).
 * A page's first load costs about a second of CPU (a new context and its renderer process); loading
 * another inspector into a page costs 0.2 s: the pages of the tests share a site (127.0.0.1, ports
 * aside), so its renderer stays. Returned pages are blank, with no listeners: the inspector keeps no
 * cookie or storage, and each server has its own port, so a test sees nothing of the one before.
 * @type {Map<string, import('playwright-core').Page[]>}
 */
const idle = new Map();
/** @type {Map<import('playwright-core').Page, string>} */
const lent = new Map();

/**
 * A page for the running browser test, at this size and in this time zone: a returned one if any.
 * @param {import('playwright-core').Browser} browser
 * @param {{ width?: number, height?: number, timezoneId?: string }} [options]
 */
export async function borrowPage(browser, { width = 1400, height = 900, timezoneId } = {}) {
  const zone = timezoneId ?? '';
  const returned = idle.get(zone)?.pop();
  if (returned) await returned.setViewportSize({ width, height });
  const page = returned ?? (await browser.newPage({ viewport: { width, height }, timezoneId }));
  lent.set(page, zone);
  return page;
}

/** Blanks the pages the test borrowed (closing their streams to its servers) and returns them. */
async function giveBack() {
  const pages = [...lent];
  lent.clear();
  await Promise.all(
    pages.map(async ([page, zone]) => {
      if (page.isClosed()) return;
      page.removeAllListeners();
      await page.goto('about:blank');
      idle.set(zone, [...(idle.get(zone) ?? []), page]);
    }),
  );
}

/** The contexts of the pages borrowed and given back: kept when a test closes what it opened. */
function pooled() {
  return new Set([...idle.values()].flat().map((page) => page.context()));
}

/**
 * A test that needs a real browser. Without chromium it is skipped on a developer machine and
 * fails in CI (where `.ci/run` installs it), so a missing browser can never pass silently.
 * @param {string} name
 * @param {(browser: import('playwright-core').Browser) => Promise<void>} fn
 */
export function browserTest(name, fn) {
  if (!CHROMIUM && process.env.CI !== 'true') {
    test(name, { skip: 'chromium not installed (apt-get install chromium)' }, () => {});
    return;
  }
  test(name, { timeout: 90_000 }, async () => {
    if (!CHROMIUM) throw new Error('chromium is not installed: .ci/run installs it with apt-get');
    const browser = await sharedBrowser();
    const before = new Set(browser.contexts());
    try {
      await fn(browser);
    } finally {
      await giveBack();
      // The pages this test opened itself (browser.newPage() makes a context per page) go with it.
      const kept = pooled();
      await Promise.all(
        browser
          .contexts()
          .filter((c) => !before.has(c) && !kept.has(c))
          .map((c) => c.close()),
      );
    }
  });
}
