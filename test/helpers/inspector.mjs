import { request } from 'node:http';
import { runCli } from './cli.mjs';

/**
 * Starts a command that serves the inspector; resolves once it printed `Inspector: <url>`.
 * @param {string[]} args
 * @param {{ env?: Record<string, string> }} [options]
 */
export async function startWithUi(args, options = {}) {
  let err = '';
  let found;
  const ready = new Promise((resolve) => (found = resolve));
  const result = runCli(args, {
    env: options.env,
    timeoutMs: 120_000,
    onStderr(d) {
      err += d;
      const m = /Inspector: (\S+)/.exec(err);
      // listen and sandbox print their own Ready line after the inspector's (Ready means every listener is bound).
      if (m && (args[0] === 'inspect' || /^Ready! /m.test(err))) found(m[1]);
    },
  });
  const url = await Promise.race([ready, result.then((r) => Promise.reject(new Error(`exited ${r.code}: ${r.stderr}`)))]);
  return { url, origin: new URL(url).origin, token: new URL(url).hash.slice('#token='.length), result, child: result.child, stderr: () => err };
}

/**
 * Opens the inspector and waits until it has shown the backlog.
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {{ width?: number, timezoneId?: string }} [options] the window's width; the browser's time zone (dates shown depend on it)
 */
export async function openPage(browser, url, { width = 1400, timezoneId } = {}) {
  const page = await browser.newPage({ viewport: { width, height: 900 }, timezoneId });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
  return { page, errors };
}

/**
 * A raw request, so that Host and Origin can be anything.
 * @param {string} origin
 * @param {string} path
 * @param {{ method?: string, headers?: Record<string, string>, body?: string }} [options]
 * @returns {Promise<{ status: number | undefined, headers: import('node:http').IncomingHttpHeaders, text: string }>}
 */
export function raw(origin, path, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => (text += d));
      // The stream endpoint never ends by itself: the first bytes are enough.
      if (res.headers['content-type']?.startsWith('text/event-stream')) {
        res.once('data', () => {
          res.destroy();
          resolve({ status: res.statusCode, headers: res.headers, text });
        });
      } else res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
