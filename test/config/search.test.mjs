// Configuration runs no code it was not asked to, and takes only what it was given (issue 25,
// findings 14, 22, 23 and 24).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.mjs';

const tmp = () => mkdtempSync(join(tmpdir(), 'ie-search-'));

test('23. context names are own keys of contexts: constructor, toString and __proto__ are not contexts unless the file names them', async () => {
  const dir = tmp();
  const file = join(dir, 'issuer-events.config.json');
  // "__proto__" written in JSON is an ordinary name: a context like the others.
  const text = '{"contexts":{"local":{"baseUrl":"http://127.0.0.1:7005"},"__proto__":{"baseUrl":"http://127.0.0.1:7006"}}}';
  writeFileSync(file, text);
  for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
    let r = await runCli(['context', 'show', name], { cwd: dir });
    assert.equal(r.code, 2, `context show ${name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^error: unknown context "${name}" in .*issuer-events\\.config\\.json; known: local, __proto__\\n$`));
    r = await runCli(['context', 'use', name], { cwd: dir });
    assert.equal(r.code, 2, `context use ${name}: ${r.stderr}`);
    assert.equal(readFileSync(file, 'utf8'), text, 'the file is not written');
    r = await runCli(['offer', 'create', '--profile', 'p', '--context', name], { cwd: dir });
    assert.equal(r.code, 2, `--context ${name}: ${r.stderr}`);
  }
  const r = await runCli(['context', 'show', '__proto__'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^baseUrl\s+http:\/\/127\.0\.0\.1:7006\s+.*contexts\.__proto__\.baseUrl$/m);
});
