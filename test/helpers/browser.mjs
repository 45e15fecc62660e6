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
      // The pages this test opened (browser.newPage() makes a context per page) go with it.
      await Promise.all(
        browser
          .contexts()
          .filter((c) => !before.has(c))
          .map((c) => c.close()),
      );
    }
  });
}
