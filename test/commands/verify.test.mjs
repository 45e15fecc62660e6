import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNdjson, runCli } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';
import { VECTORS, verifyArgs } from '../helpers/vectors.mjs';

const std = verifyArgs;

test('every docs/providers.md vector verifies at its timestamp (--at), exit 0', async () => {
  for (const v of VECTORS.standardWebhooks) {
    const r = await runInProcess(std(v, ['--at', v.timestamp]));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^valid: standard: signature matches secret #1 \(whsec_…#[0-9a-f]{6}\)\ntimestamp skew: 0 s/);
    assert.doesNotMatch(r.stdout, new RegExp(v.secret.slice(6, 20).replace(/[+/]/g, '.')));
  }
  const ig = VECTORS.igrant[0];
  let r = await runInProcess(['verify', '--scheme', 'igrant', '--secret', ig.secret, '--header', `X-Igrant-Signature: ${ig.header}`, '--body', ig.body, '--at', ig.t]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const g = VECTORS.github;
  const dir = mkdtempSync(join(tmpdir(), 'ie-verify-'));
  writeFileSync(join(dir, 'body.txt'), g.body);
  r = await runInProcess(['verify', '--scheme', 'github', '--secret', g.secret, '--header', `X-Hub-Signature-256: ${g.header}`, '--body', `@${join(dir, 'body.txt')}`]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  r = await runCli(['verify', '--secret', g.secret, '--header', `X-Hub-Signature-256: ${g.header}`, '--body', '-'], { input: g.body });
  assert.equal(r.code, 0, 'auto + stdin body');
});

test('explains failures: skew in seconds, no matching signature, missing header; exit 6', async () => {
  const v = VECTORS.standardWebhooks[0];
  let r = await runInProcess(std(v, ['--at', String(Number(v.timestamp) + 712)]));
  assert.equal(r.code, 6);
  assert.match(
    r.stdout,
    /^invalid: standard: timestamp too old by 412 s \(712 s old, tolerance 300 s\)\ntimestamp skew: -712 s at \S+ \(--at; tolerance ±300 s\)\nsignature: matches apart from the time/,
  );
  r = await runInProcess(std(v, ['--at', String(Number(v.timestamp) - 400), '--tolerance', '10m']));
  assert.equal(r.code, 0, 'within a 10m tolerance');
  r = await runInProcess(std({ ...v, body: v.body.replace('2432232314', '2432232315') }, ['--at', v.timestamp]));
  assert.equal(r.code, 6);
  assert.match(r.stdout, /no signature matches any of 1 secret/);
  r = await runInProcess(['verify', '--scheme', 'standard', '--secret', v.secret, '--body', v.body, '--json']);
  assert.equal(r.code, 6);
  const [verdict] = parseNdjson(r.stdout);
  assert.equal(verdict.valid, false);
  assert.equal(verdict.code, 'missing_signature');
});

test('--record verifies a delivery captured by listen; bad inputs exit 2', async () => {
  const v = VECTORS.standardWebhooks[1];
  const dir = mkdtempSync(join(tmpdir(), 'ie-verify-'));
  const file = join(dir, 'cap.ndjson');
  const record = (body) =>
    JSON.stringify({
      v: 1,
      source: 'webhook',
      request: {
        method: 'POST',
        path: '/',
        headers: { 'webhook-id': v.id, 'webhook-timestamp': v.timestamp, 'webhook-signature': v.signature, authorization: '[redacted]' },
        body,
      },
    });
  writeFileSync(file, `${JSON.stringify({ v: 1, source: 'sse' })}\n${record(v.body)}\n${record(`${v.body} `)}\n`);
  let r = await runInProcess(['verify', '--secret', v.secret, '--record', file, '--at', v.timestamp]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  r = await runInProcess(['verify', '--secret', v.secret, '--record', `${file}:3`, '--at', v.timestamp]);
  assert.equal(r.code, 6);
  // Without --at, a captured delivery is judged at its receivedAt; today it is too old, yet its signature matches.
  const receivedAt = new Date((Number(v.timestamp) + 2) * 1000).toISOString();
  writeFileSync(file, `${JSON.stringify({ ...JSON.parse(record(v.body)), receivedAt })}\n${JSON.stringify({ ...JSON.parse(record(`${v.body} `)), receivedAt })}\n`);
  r = await runInProcess(['verify', '--secret', v.secret, '--record', `${file}:1`]);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /timestamp skew: -2 s at \S+ \(the record's receivedAt; tolerance ±300 s\)/);
  r = await runInProcess(['verify', '--secret', v.secret, '--record', `${file}:1`, '--at', new Date().toISOString(), '--json']);
  assert.equal(r.code, 6);
  assert.deepEqual((({ kind, code, clock, signatureMatches }) => ({ kind, code, clock, signatureMatches }))(parseNdjson(r.stdout)[0]), {
    kind: 'verdict',
    code: 'timestamp_too_old',
    clock: 'at',
    signatureMatches: true,
  });
  r = await runInProcess(['verify', '--secret', v.secret, '--record', `${file}:2`, '--at', new Date().toISOString()]);
  assert.match(r.stdout, /\nsignature: does not match either, whatever the time\n$/);
  for (const args of [
    ['verify', '--secret', 'x', '--record', `${file}:9`],
    ['verify', '--secret', 'x', '--record', '/nope.ndjson'],
    ['verify', '--secret', 'x', '--record', dir],
    ['verify', '--secret', 'x'],
    ['verify', '--body', 'x'],
    ['verify', '--secret', 'x', '--body', 'x', '--at', 'tuesday'],
    ['verify', '--secret', 'x', '--body', 'x', '--header', 'no-colon'],
    ['verify', '--scheme', 'bearer', '--secret', 'x', '--record', `${file}:2`],
  ]) {
    r = await runInProcess(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
