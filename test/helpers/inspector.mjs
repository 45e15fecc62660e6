import { request } from 'node:http';
import { startServer } from './cli.mjs';

/**
 * Starts a command that serves the inspector (in-process unless `spawn`); resolves once it printed
 * `Inspector: <url>` and, for listen and sandbox, their Ready line (Ready means every listener is bound).
 * @param {string[]} args
 * @param {{ env?: Record<string, string>, spawn?: boolean }} [options]
 */
export async function startWithUi(args, options = {}) {
  const server = await startServer(args, (err) => (args[0] === 'inspect' || /^Ready! /m.test(err) ? /Inspector: (\S+)/.exec(err)?.[1] : undefined), options);
  return { ...server, token: new URL(server.url).hash.slice('#token='.length) };
}

/**
 * Opens the inspector and waits until it has shown the backlog.
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {{ width?: number, timezoneId?: string }} [options] the window's width; the browser's time zone (dates shown depend on it)
 */
export async function openPage(browser, url, { width = 1400, timezoneId } = {}) {
  // Loaded here: the tests that only start a server do not load the browser's driver.
  const { borrowPage } = await import('./browser.mjs');
  const page = await borrowPage(browser, { width, height: 900, timezoneId });
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
