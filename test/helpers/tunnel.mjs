// Runs whose @ngrok/ngrok is the stand-in (test/fixtures/tunnel/): the real agent cannot connect
// without the network, so the success path is tested at the library's boundary.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNdjson } from './cli.mjs';

/** A token of the shape ngrok issues (the stand-in accepts it; nothing real). */
export const TOKEN = '2abcDEFghiJKLmnoPQRstuVWXyz_3yZ1234567890abcdefGHIJK';
const REGISTER = fileURLToPath(new URL('../fixtures/tunnel/register.mjs', import.meta.url));

/** The environment of a run whose @ngrok/ngrok is the stand-in; `calls` reads what it was asked. */
export function standIn(extra = {}) {
  const log = join(mkdtempSync(join(tmpdir(), 'ie-tunnel-')), 'stand-in.ndjson');
  const env = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${REGISTER}`.trim(), NGROK_STAND_IN_LOG: log, NGROK_AUTHTOKEN: TOKEN, ...extra };
  const calls = () => (existsSync(log) ? parseNdjson(readFileSync(log, 'utf8')) : []);
  return { env, calls };
}

/** One stderr line that is an error, and no stack trace. */
export function oneErrorLine(stderr) {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0], /^error: /);
  assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');
  return lines[0];
}
