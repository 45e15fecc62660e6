#!/usr/bin/env node
// Makes the package tarball users install (`npm run package [-- <out-dir>]`; publish with
// `npm publish <tarball>`). Packing the checkout itself would ship what a developer's install has:
//   - `prepare`, which npm 11 lists as an unreviewed install script when the package is installed
//     from a tarball (npm 12 blocks it), and which cannot run there anyway (no src/, no tsc);
//   - @owf/mdoc's CBOR library with its optional native accelerator, cbor-extract: an install
//     script (node-gyp) in every user's install, for a speed-up the tool does not need (cbor-x
//     falls back to JavaScript; mdoc credentials are a few kilobytes). In the checkout,
//     package.json's allowScripts denies that script for the same reason.
// So the tarball is packed from a staging folder: the built files, a manifest without scripts and
// devDependencies, and @owf/mdoc bundled from a production install without optional packages.
// Afterwards the tarball is checked: no install-time script anywhere in it, no source maps
// without their sources, and every file the README's relative links need is on GitHub, not here.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const outDir = resolve(process.argv[2] ?? root);
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
const run = (args, cwd) => execFileSync(npm[0], [...npm.slice(1), ...args], { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

// The lifecycle scripts npm runs when a package is installed (prepare: for non-registry sources).
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const stage = mkdtempSync(join(tmpdir(), 'issuer-events-pack-'));
try {
  run(['run', '-s', 'build'], root);
  for (const entry of [...manifest.files.filter((f) => !f.startsWith('!')), 'README.md', 'LICENSE', 'package-lock.json']) {
    cpSync(join(root, entry), join(stage, entry), { recursive: true });
  }
  const { scripts: _scripts, devDependencies: _dev, overrides: _overrides, allowScripts: _allow, ...published } = manifest;
  // Production dependencies from the lock (which must match the whole manifest), no optional ones
  // (cbor-extract), no scripts run; then the manifest users get.
  writeFileSync(join(stage, 'package.json'), JSON.stringify({ ...manifest, scripts: {} }));
  run(['ci', '--omit=dev', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'], stage);
  rmSync(join(stage, 'package-lock.json'));
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  mkdirSync(outDir, { recursive: true });
  const [{ filename, files }] = JSON.parse(run(['pack', '--json', '--ignore-scripts', '--pack-destination', outDir], stage));
  checkTarball(stage, files);
  process.stdout.write(`${join(outDir, filename)}\n`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

function checkTarball(dir, files) {
  const problems = [];
  for (const { path } of files) {
    const bundled = path.startsWith('node_modules/');
    if (!bundled && path.endsWith('.map')) problems.push(`${path}: a source map (its sources are not shipped)`);
    if (!path.endsWith('package.json')) continue;
    const pkg = JSON.parse(readFileSync(join(dir, path), 'utf8'));
    // npm runs `prepare` only for the package installed from a non-registry source, not its bundle.
    for (const name of bundled ? INSTALL_SCRIPTS.slice(0, 3) : INSTALL_SCRIPTS) {
      if (pkg.scripts?.[name]) problems.push(`${path}: a "${name}" script`);
    }
    if (pkg.gypfile) problems.push(`${path}: a native build (gypfile)`);
  }
  if (problems.length > 0) {
    process.stderr.write(`error: the tarball is not fit to publish:\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exit(1);
  }
}
