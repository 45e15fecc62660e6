import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInProcess } from '../helpers/in-process.mjs';
import { loadConfigFile, resolveSettings } from '../../dist/config/load.js';

const fixture = (name) => fileURLToPath(new URL(`../fixtures/config/${name}/`, import.meta.url));

// Port 1 refuses at once, and the error names the URL that was used: that shows which setting won.
async function usedUrl(args, options) {
  const r = await runInProcess(['offer', 'create', '--profile', 'p', ...args], options);
  assert.equal(r.code, 1, r.stderr);
  const match = /could not reach (\S+): /.exec(r.stderr);
  assert.ok(match, r.stderr);
  return match[1];
}

test('config file formats are found from the working directory', async () => {
  assert.equal(await usedUrl([], { cwd: fixture('json') }), 'http://127.0.0.1:1/from-file/issuer2/credential-offers');
  assert.equal(await usedUrl([], { cwd: fixture('yaml') }), 'http://127.0.0.1:1/from-yaml/issuer2/credential-offers');
  assert.equal(await usedUrl([], { cwd: fixture('pkg') }), 'http://127.0.0.1:1/from-package/issuer2/credential-offers');
});

test('precedence: file < environment < flag', async () => {
  const cwd = fixture('json');
  assert.equal(await usedUrl([], { cwd, env: { ISSUER_EVENTS_BASE_URL: 'http://127.0.0.1:1/from-env' } }), 'http://127.0.0.1:1/from-env/issuer2/credential-offers');
  assert.equal(
    await usedUrl(['--base-url', 'http://127.0.0.1:1/from-flag'], { cwd, env: { ISSUER_EVENTS_BASE_URL: 'http://127.0.0.1:1/from-env' } }),
    'http://127.0.0.1:1/from-flag/issuer2/credential-offers',
  );
});

test('contexts: the file default, --context, ISSUER_EVENTS_CONTEXT; context beats top level', async () => {
  const cwd = fixture('contexts');
  assert.equal(await usedUrl([], { cwd }), 'http://127.0.0.1:1/local/issuer2/credential-offers');
  assert.equal(await usedUrl(['--context', 'ent'], { cwd }), 'http://127.0.0.1:1/top/v2/acme.main.issuer.p/issuer-service-api/credentials/offers');
  assert.equal(await usedUrl([], { cwd, env: { ISSUER_EVENTS_CONTEXT: 'ent' } }), 'http://127.0.0.1:1/top/v2/acme.main.issuer.p/issuer-service-api/credentials/offers');
  // The flag beats the environment for the context too.
  assert.equal(await usedUrl(['--context', 'local'], { cwd, env: { ISSUER_EVENTS_CONTEXT: 'ent' } }), 'http://127.0.0.1:1/local/issuer2/credential-offers');
  const r = await runInProcess(['offer', 'create', '--profile', 'p', '--context', 'staging'], { cwd });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: unknown context "staging" in .*issuer-events\.config\.json; known: local, ent\n$/);
});

test('issuer-events.config.ts: loaded by Node where it runs TypeScript, else refused in one line naming the formats that work', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'ie-cfg-ts-'));
  // A type annotation: a file Node can only load by stripping types (no typescript package involved).
  writeFileSync(join(cwd, 'issuer-events.config.ts'), "const config: { baseUrl: string } = { baseUrl: 'http://127.0.0.1:1/from-ts' };\nexport default config;\n");
  // `process.features.typescript` is 'strip' where Node runs .ts files (22.18+), absent on 20.
  if (/** @type {{ typescript?: string }} */ (process.features).typescript) {
    assert.equal(await usedUrl([], { cwd }), 'http://127.0.0.1:1/from-ts/issuer2/credential-offers');
    return;
  }
  const r = await runInProcess(['offer', 'create', '--profile', 'p'], { cwd });
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^error: cannot load .*issuer-events\.config\.ts: TypeScript config files need Node\.js 22\.18 or later \(this is v20\.\d+\.\d+\); use issuer-events\.config\.mjs, \.json or \.yaml\n$/,
  );
});

test('--config loads a given file', async () => {
  const file = join(fixture('yaml'), 'issuer-events.config.yaml');
  assert.equal(await usedUrl(['--config', file], { cwd: fixture('json') }), 'http://127.0.0.1:1/from-yaml/issuer2/credential-offers');
  const r = await runInProcess(['offer', 'create', '--profile', 'p', '--config', '/nope/missing.json']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'error: cannot read config file /nope/missing.json: ENOENT\n');
});

test('an invalid config file exits 2 naming the file and the field', async () => {
  let r = await runInProcess(['offer', 'create', '--profile', 'p'], { cwd: fixture('invalid') });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: invalid config file .*invalid\/\.issuer-eventsrc\.json: unknown field "contexts\.prod\.tokn"\n$/);
  const dir = mkdtempSync(join(tmpdir(), 'ie-cfg-'));
  writeFileSync(join(dir, '.issuer-eventsrc.json'), '{ "baseUrl": ');
  r = await runInProcess(['offer', 'create', '--profile', 'p'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: invalid config file .*\.issuer-eventsrc\.json: /);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  writeFileSync(join(dir, '.issuer-eventsrc.json'), '{ "baseUrl": 42 }');
  r = await runInProcess(['offer', 'create', '--profile', 'p'], { cwd: dir });
  assert.match(r.stderr, /\.issuer-eventsrc\.json: "baseUrl" must be a non-empty string\n$/);
  writeFileSync(join(dir, '.issuer-eventsrc.json'), '{ "webhookSecret": ["ok", 3] }');
  r = await runInProcess(['offer', 'create', '--profile', 'p'], { cwd: dir });
  assert.match(r.stderr, /"webhookSecret\[1\]" must be a non-empty string/);
});

test('a JSON syntax error names the file, the line, the column and what is wrong, on one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ie-cfg-'));
  const file = join(dir, '.issuer-eventsrc.json');
  // cosmiconfig's own message for these ends at "JSON Error in <file>:" (the reason is in a code frame).
  const cases = [
    ['{\n  "baseUrl": "http://127.0.0.1:1"\n  "context": "x"\n}\n', `line 3, column 3: expected ',' or '}' after a property value, found '"'`],
    ['{\n  "baseUrl": "http://127.0.0.1:1",\n}\n', "line 2, column 34: a trailing comma before '}' (JSON allows none)"],
    ['{\n  "context": oops\n}\n', 'line 2, column 14: unexpected word "oops" (JSON strings are in double quotes)'],
    ["{ 'baseUrl': 1 }", 'line 1, column 3: expected a property name in double quotes, found "\'"'],
    ['{ "baseUrl": ', 'line 1, column 14: unexpected end of the file: a value is missing'],
    ['{ "a": 1 } // local', 'line 1, column 12: comments are not allowed in JSON'],
  ];
  for (const [text, reason] of cases) {
    writeFileSync(file, text);
    const r = await runInProcess(['context'], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `error: invalid config file ${file}: ${reason}\n`, JSON.stringify(text));
  }
});

test('resolveSettings: secrets from env are comma-separated; sources are reported', async () => {
  const loaded = await loadConfigFile({ file: join(fixture('contexts'), 'issuer-events.config.json') });
  const s = resolveSettings(loaded, {}, { ISSUER_EVENTS_WEBHOOK_SECRET: 'whsec_a, whsec_b' });
  assert.deepEqual(s.webhookSecrets, ['whsec_a', 'whsec_b']);
  assert.equal(s.baseUrl, 'http://127.0.0.1:1/local');
  assert.deepEqual(s.sources, { baseUrl: 'context', webhookSecret: 'env' });
  const defaults = resolveSettings({ config: {} }, {}, {});
  assert.equal(defaults.baseUrl, 'http://localhost:7005');
  assert.equal(defaults.sources.baseUrl, 'default');
});
