import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FLAG_HINTS, flagHint, withFlagHint } from '../../dist/cli/flag-hints.js';
import { CaptureWriter } from '../../dist/capture/writer.js';
import { UsageError } from '../../dist/errors.js';
import { StreamError } from '../../dist/sse/stream.js';
import { ClaimError } from '../../dist/wallet/errors.js';
import { WebhookReceiver } from '../../dist/webhooks/receiver.js';

// Engines say what happened; the CLI's one table names the flag that changes it. Each failure an
// engine marks (a kind, or a code of its own) and the flag the user is pointed to:
const HINTED = {
  'plain-http': '--insecure',
  deadline: '--timeout',
  'key-not-found': '--allow-unverified',
  'tx-code-missing': '--tx-code',
  'configuration-not-offered': '--credential',
  'server-not-started': '--wait-for-server',
  'connect-timeout': '--connect-timeout',
  'token-missing': '--token',
  'profiles-unlisted': '--profile',
  'body-too-large': '--max-body',
  E_IDLE_TIMEOUT: '--idle-timeout',
  E_TOO_LARGE: '--max-event-size',
};

test('the flag-hint table covers each hinted kind and code, and names a flag the CLI has', () => {
  assert.deepEqual(Object.keys(FLAG_HINTS).sort(), Object.keys(HINTED).sort(), 'one hint for each, and no other');
  const help = readdirSync(fileURLToPath(new URL('../fixtures/help/', import.meta.url)))
    .map((f) => readFileSync(fileURLToPath(new URL(`../fixtures/help/${f}`, import.meta.url)), 'utf8'))
    .join('\n');
  for (const [key, flag] of Object.entries(HINTED)) {
    const hint = flagHint(key.startsWith('E_') ? { code: /** @type {any} */ (key) } : { kind: /** @type {any} */ (key) });
    assert.ok(hint.includes(flag), `${key}: ${hint}`);
    for (const named of hint.match(/--[a-z][a-z-]+/g) ?? []) assert.match(help, new RegExp(`${named}\\b`), `${key} names ${named}, an option of some command`);
  }
  // A kind says more than a code: the hint of the kind wins.
  assert.equal(flagHint({ code: 'E_RETRIES', kind: 'connect-timeout' }), ' (--connect-timeout)');
  assert.equal(flagHint({ code: 'E_USAGE' }), '', 'a code without a flag that changes it has no hint');
  assert.equal(flagHint({}), '');
});

test('engine errors carry domain words; the CLI line adds the flag once', () => {
  const idle = new StreamError('no data for 5s', 'E_IDLE_TIMEOUT', 124);
  assert.doesNotMatch(idle.message, /--/);
  assert.equal(withFlagHint(idle), 'no data for 5s (--idle-timeout)');
  const txCode = new ClaimError('offer', 'the offer requires a transaction code (4 digits)', 2, { kind: 'tx-code-missing' });
  assert.equal(withFlagHint(txCode), 'offer: the offer requires a transaction code (4 digits): pass --tx-code');
  assert.equal(txCode.code, 'E_CLAIM_OFFER');
  // offer create's --tx-code asks the issuer for a code; its wallet's code is --claim-tx-code.
  assert.equal(withFlagHint(txCode, 'offer create'), 'offer: the offer requires a transaction code (4 digits): pass --claim-tx-code');
  assert.equal(withFlagHint(txCode, 'claim'), 'offer: the offer requires a transaction code (4 digits): pass --tx-code');
  const plain = new UsageError('invalid size "x"');
  assert.equal(withFlagHint(plain), plain.message);
});

test("a capture record's rejection reason for an oversized body names no flag; the CLI's hint is for stderr", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-hints-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'c.ndjson');
  const capture = await CaptureWriter.open(file);
  /** @type {any[]} */
  const results = [];
  const receiver = new WebhookReceiver({
    host: '127.0.0.1',
    port: 0,
    scheme: 'none',
    secrets: [],
    toleranceSec: 300,
    allowUnsigned: true,
    maxBody: 1024,
    capture,
    onResult: (r) => results.push(r),
  });
  const url = new URL(await receiver.start());
  /** POSTs `chunks`; with `length`, a Content-Length header (else chunked). */
  const post = (chunks, length) =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: '/hook', method: 'POST', headers: length === undefined ? {} : { 'content-length': String(length) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        },
      );
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  try {
    assert.equal(await post([Buffer.alloc(2048, 97)], 2048), 413, 'declared too large');
    assert.equal(await post([Buffer.alloc(800, 97), Buffer.alloc(800, 97)]), 413, 'too large while streaming');
  } finally {
    await receiver.close();
    await capture.close();
  }
  const records = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual(
    records.map((r) => r.reason),
    ['body of 2048 bytes exceeds the limit of 1kb', 'body exceeds the limit of 1kb'],
  );
  for (const r of records) assert.doesNotMatch(r.reason, /--/, 'a capture reason names no flag');
  // What `listen` prints on stderr for it: the receiver's words, then the flag.
  for (const r of results) assert.equal(`${r.record.reason}${flagHint(r)}`, `${r.record.reason} (--max-body)`);
});
