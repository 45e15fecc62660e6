// Configuration runs no code it was not asked to, and takes only what it was given (issue 25,
// findings 14, 22, 23 and 24).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.mjs';
import { runInProcess } from '../helpers/in-process.mjs';

const tmp = () => mkdtempSync(join(tmpdir(), 'ie-search-'));

test('23. context names are own keys of contexts: constructor, toString and __proto__ are not contexts unless the file names them', async () => {
  const dir = tmp();
  const file = join(dir, 'issuer-events.config.json');
  // "__proto__" written in JSON is an ordinary name: a context like the others.
  const text = '{"contexts":{"local":{"baseUrl":"http://127.0.0.1:7005"},"__proto__":{"baseUrl":"http://127.0.0.1:7006"}}}';
  writeFileSync(file, text);
  for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
    let r = await runInProcess(['context', 'show', name], { cwd: dir });
    assert.equal(r.code, 2, `context show ${name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^error: unknown context "${name}" in .*issuer-events\\.config\\.json; known: local, __proto__\\n$`));
    r = await runInProcess(['context', 'use', name], { cwd: dir });
    assert.equal(r.code, 2, `context use ${name}: ${r.stderr}`);
    assert.equal(readFileSync(file, 'utf8'), text, 'the file is not written');
    r = await runInProcess(['offer', 'create', '--profile', 'p', '--context', name], { cwd: dir });
    assert.equal(r.code, 2, `--context ${name}: ${r.stderr}`);
  }
  const r = await runInProcess(['context', 'show', '__proto__'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^baseUrl\s+http:\/\/127\.0\.0\.1:7006\s+.*contexts\.__proto__\.baseUrl$/m);
});

/** A JavaScript config that leaves a mark when it is executed. */
function markingConfig(file, exported = '{}') {
  writeFileSync(file, `require('node:fs').writeFileSync(${JSON.stringify(`${file}.ran`)}, 'ran');\nmodule.exports = ${exported};\n`);
  return `${file}.ran`;
}

test('22. with no project root above it, the search stays in the working directory: a .issuer-eventsrc.cjs in a shared parent is not executed', async () => {
  const shared = tmp();
  const cwd = join(shared, 'work', 'sub');
  mkdirSync(cwd, { recursive: true });
  const mark = markingConfig(join(shared, '.issuer-eventsrc.cjs'), "{ baseUrl: 'http://127.0.0.1:1/planted' }");
  const r = await runInProcess(['context', 'show'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(mark), false, 'the planted config ran');
  assert.match(r.stdout, /^baseUrl\s+http:\/\/localhost:7005\s+default$/m);
});

test("22. cosmiconfig's meta config (.config/config.cjs, package.yaml) is never executed, nor its search places used", async () => {
  const cwd = tmp();
  mkdirSync(join(cwd, '.config'));
  const mark = markingConfig(join(cwd, '.config', 'config.cjs'), "{ searchPlaces: ['elsewhere.json'] }");
  writeFileSync(join(cwd, 'elsewhere.json'), JSON.stringify({ baseUrl: 'http://127.0.0.1:1/elsewhere' }));
  const r = await runInProcess(['context', 'show'], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(mark), false, '.config/config.cjs ran');
  assert.match(r.stdout, /^baseUrl\s+http:\/\/localhost:7005\s+default$/m);
});

test('22. the search goes up to the project root (package.json or .git) and no further; without one, up to the home directory', async () => {
  const root = tmp();
  const project = join(root, 'project');
  const deep = join(project, 'packages', 'app');
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(project, 'package.json'), '{"name":"app"}');
  writeFileSync(join(project, '.issuer-eventsrc.yaml'), 'baseUrl: http://127.0.0.1:1/project\n');
  const above = markingConfig(join(root, 'issuer-events.config.cjs'), "{ baseUrl: 'http://127.0.0.1:1/above' }");
  let r = await runInProcess(['context', 'show'], { cwd: deep });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^baseUrl\s+http:\/\/127\.0\.0\.1:1\/project\s+.*\.issuer-eventsrc\.yaml baseUrl$/m);
  // A .git directory marks a project root too; above it nothing is read.
  const repo = join(root, 'repo');
  mkdirSync(join(repo, '.git', 'objects'), { recursive: true });
  mkdirSync(join(repo, 'src'));
  r = await runInProcess(['context', 'show'], { cwd: join(repo, 'src') });
  assert.match(r.stdout, /^baseUrl\s+http:\/\/localhost:7005\s+default$/m);
  assert.equal(existsSync(above), false, 'a config above the project root ran');
  // No project root, inside the home directory: up to the home directory, included.
  const home = join(root, 'home');
  mkdirSync(join(home, 'notes', 'today'), { recursive: true });
  writeFileSync(join(home, '.issuer-eventsrc.json'), JSON.stringify({ baseUrl: 'http://127.0.0.1:1/home' }));
  r = await runCli(['context', 'show'], { cwd: join(home, 'notes', 'today'), env: { HOME: home } });
  assert.match(r.stdout, /^baseUrl\s+http:\/\/127\.0\.0\.1:1\/home\s+/m);
  assert.equal(existsSync(above), false, 'a config above the home directory ran');
});

test("14. a YAML alias bomb in a profile's credentialData is refused when the file is read, in one line, before anything serves", async () => {
  const cwd = tmp();
  // Nine levels of nine aliases: 9^9 (387 million) strings once expanded, from 400 bytes of YAML.
  const levels = 'abcdefghi'.split('');
  const lines = levels.map(
    (name, i) =>
      `      ${name}: &${name} [${Array(9)
        .fill(i === 0 ? '"lol"' : `*${levels[i - 1]}`)
        .join(', ')}]`,
  );
  writeFileSync(join(cwd, 'issuer-events.config.yaml'), `profiles:\n  bomb:\n    format: w3c_vc\n    credentialData:\n${lines.join('\n')}\n`);
  let ready = false;
  const r = await runCli(['sandbox', '--port', '0'], {
    cwd,
    timeoutMs: 20_000,
    onStderr(_d, child) {
      // Started: the bomb went through, and the first request that serialises the profile pins the CPU.
      if (!ready && /Ready/.test(_d)) {
        ready = true;
        child.kill('SIGKILL');
      }
    },
  });
  assert.equal(ready, false, 'the sandbox started with the bomb in its profiles');
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^error: invalid config file .*issuer-events\.config\.yaml: larger than 4 MB once YAML aliases are expanded\n$/);
  // A self-referencing anchor (a cycle) is refused the same way, as is a file over the bound.
  writeFileSync(join(cwd, 'issuer-events.config.yaml'), 'profiles:\n  loop:\n    credentialData: &c\n      again: *c\n');
  const cycle = await runInProcess(['context', 'show'], { cwd });
  assert.equal(cycle.code, 2, cycle.stderr);
  assert.match(cycle.stderr, /larger than 4 MB once YAML aliases are expanded\n$/);
  writeFileSync(join(cwd, 'issuer-events.config.yaml'), `# ${'x'.repeat(5 * 1024 * 1024)}\nbaseUrl: http://127.0.0.1:1\n`);
  const big = await runInProcess(['context', 'show'], { cwd });
  assert.equal(big.code, 2, big.stderr);
  assert.match(big.stderr, /^error: invalid config file .*: larger than 4 MB\n$/);
});

test('24. a token holding a CR/LF (environment, flag or file) exits 2 naming where it came from and why, never "undefined", never the token', async () => {
  const cwd = tmp();
  const bad = 'tok-secret-1\r\nX-Injected: 1';
  /** @type {[{ env?: Record<string, string> }, string[], string][]} */
  const cases = [
    [{ env: { ISSUER_EVENTS_TOKEN: bad } }, [], 'ISSUER_EVENTS_TOKEN'],
    [{}, ['--token', bad], '--token'],
  ];
  for (const [options, args, where] of cases) {
    const r = await runInProcess(['offer', 'create', '--profile', 'p', '--base-url', 'http://127.0.0.1:1', ...args], { cwd, ...options });
    assert.equal(r.code, 2, `${where}: ${r.stderr}`);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: .*${where}.*(line break|control character)`));
    assert.doesNotMatch(r.stderr, /undefined|tok-secret-1/);
  }
  writeFileSync(join(cwd, 'issuer-events.config.json'), JSON.stringify({ token: bad }));
  const r = await runInProcess(['offer', 'create', '--profile', 'p', '--base-url', 'http://127.0.0.1:1'], { cwd });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^error: invalid config file .*issuer-events\.config\.json: .*token.*(line break|control character)/);
  assert.doesNotMatch(r.stderr, /undefined|tok-secret-1/);
});
