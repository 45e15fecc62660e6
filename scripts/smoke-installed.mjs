#!/usr/bin/env node
// The package as users install it: `node scripts/smoke-installed.mjs <tarball>` installs the
// tarball (`npm run package`) into an empty prefix with `npm install -g`, then runs the installed
// `issuer-events` under the Node.js that runs this script (CI runs it on 20, 22 and 24):
// --help, demo, sandbox + `offer create --claim` for every profile, the inspector's page and
// assets, and a TypeScript config file. Exit 0 when every check passed; each check prints a line.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const tarball = process.argv[2] && resolve(process.argv[2]);
if (!tarball) {
  process.stderr.write('usage: node scripts/smoke-installed.mjs <issuer-events-x.y.z.tgz>\n');
  process.exit(2);
}
const run = promisify(execFile);
const prefix = mkdtempSync(join(tmpdir(), 'issuer-events-prefix-'));
const work = mkdtempSync(join(tmpdir(), 'issuer-events-smoke-'));
// The installed bin's `#!/usr/bin/env node` must find the Node.js under test first.
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`, NO_COLOR: '1' };
for (const key of Object.keys(env)) if (key.startsWith('ISSUER_EVENTS_')) delete env[key];
const bin = join(prefix, 'bin', 'issuer-events');
let failures = 0;

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    process.stdout.write(`ok   ${name} (${Date.now() - started} ms)\n`);
  } catch (error) {
    failures++;
    process.stdout.write(`FAIL ${name}: ${error.message}\n`);
  }
}

/** Runs the installed binary; rejects with its stderr unless it exits with `expect`. */
async function cli(args, { expect = 0, cwd = work } = {}) {
  try {
    const r = await run(bin, args, { env, cwd, timeout: 60_000, maxBuffer: 16 << 20 });
    if (expect !== 0) throw new Error(`exited 0, expected ${expect}`);
    return r;
  } catch (error) {
    if (error.code === expect) return error;
    throw new Error(`issuer-events ${args.join(' ')} exited ${error.code ?? error.signal}: ${String(error.stderr ?? error.message).trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/** Starts a long-running command and resolves with the first match of `pattern` on its stderr. */
function serve(args, pattern) {
  const child = spawn(bin, args, { env, cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const ready = new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${pattern}" within 30 s: ${stderr}`)), 30_000);
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
      const match = pattern.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolveReady(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before it was ready: ${stderr}`)));
  });
  return { child, ready };
}

async function main() {
  process.stdout.write(`issuer-events from ${tarball} on Node.js ${process.version}\n`);
  await check('npm install -g <tarball> into an empty prefix, with no install-script warning', async () => {
    const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
    const r = await run(npm[0], [...npm.slice(1), 'install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], { env, timeout: 300_000 });
    const warning = r.stderr.split('\n').find((line) => /install-scripts|gyp|deprecated/i.test(line));
    if (warning) throw new Error(warning);
  });
  await check('--version and --help', async () => {
    const { version } = JSON.parse(readFileSync(join(prefix, 'lib', 'node_modules', 'issuer-events', 'package.json'), 'utf8'));
    const v = await cli(['--version']);
    if (v.stdout.trim() !== version) throw new Error(`--version printed ${v.stdout.trim()}, package.json says ${version}`);
    const help = await cli(['--help']);
    for (const command of ['offer', 'claim', 'tail', 'listen', 'sandbox', 'demo', 'inspect', 'completion']) {
      if (!help.stdout.includes(command)) throw new Error(`--help does not list ${command}`);
    }
  });
  await check('demo exits 0 with both channels', async () => {
    const r = await cli(['demo', '--json']);
    const kinds = new Set(r.stdout.trim().split('\n').map((line) => JSON.parse(line).source ?? JSON.parse(line).kind));
    if (!kinds.has('sse') || !kinds.has('webhook')) throw new Error(`demo --json printed ${[...kinds].join(', ')}`);
  });
  const sandbox = serve(['sandbox', '--port', '0'], /Ready! Sandbox issuer on (http\S+)/);
  try {
    const baseUrl = await sandbox.ready;
    for (const profile of ['openBadgeCredential', 'identityCredentialSdJwt', 'isoMdl']) {
      await check(`sandbox + offer create --profile ${profile} --claim`, async () => {
        await cli(['offer', 'create', '--profile', profile, '--claim', '--timeout', '30s', '--base-url', baseUrl]);
      });
    }
  } finally {
    sandbox.child.kill('SIGTERM');
  }
  await check("the inspector's page and its assets", async () => {
    const capture = join(work, 'capture.ndjson');
    writeFileSync(capture, '');
    const inspector = serve(['inspect', '--port', '0', capture], /Inspector: (http\S+)/);
    try {
      const url = new URL(await inspector.ready);
      const page = await fetch(url);
      const html = await page.text();
      if (page.status !== 200 || !html.includes('<script')) throw new Error(`the page answered ${page.status}`);
      const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      if (assets.length < 2) throw new Error(`the page names ${assets.length} assets`);
      for (const asset of assets) {
        const r = await fetch(new URL(asset, url));
        if (r.status !== 200 || (await r.arrayBuffer()).byteLength === 0) throw new Error(`${asset} answered ${r.status}`);
      }
    } finally {
      inspector.child.kill('SIGTERM');
    }
  });
  await check('issuer-events.config.ts is loaded (Node >= 22.18) or refused in one line (exit 2)', async () => {
    writeFileSync(join(work, 'issuer-events.config.ts'), "const config: { baseUrl: string } = { baseUrl: 'http://127.0.0.1:9/from-ts' };\nexport default config;\n");
    if (process.features.typescript) {
      const r = await cli(['context', 'show', '--json']);
      if (!r.stdout.includes('http://127.0.0.1:9/from-ts')) throw new Error(`context show did not read the file: ${r.stdout}`);
    } else {
      const r = await cli(['context', 'show'], { expect: 2 });
      if (!/^error: cannot load .*config\.ts: TypeScript config files need Node\.js 22\.18 or later .*\n$/.test(r.stderr)) throw new Error(r.stderr);
    }
  });
}

try {
  await main();
} finally {
  rmSync(prefix, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(failures === 0 ? 'installed package: every check passed\n' : `installed package: ${failures} check(s) failed\n`);
process.exit(failures === 0 ? 0 : 1);
