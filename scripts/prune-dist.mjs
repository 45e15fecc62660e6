// The build is incremental (`tsc -b tsconfig.build.json`, its state in dist/.tsbuildinfo, so that
// a removed dist/ means a whole build): on two cores an unchanged tree builds in 1.3 s (build mode
// compares the sources' times and hashes with that state before it loads a program; plain
// --incremental took 3.3 s, a whole build 12.6 s), and every `npm test` starts with a build. tsc never deletes what a removed source
// file once produced, so this does: every file in dist/ whose source in src/ is gone.
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const src = join(root, 'src');

/** The source a dist/ file comes from: a compiled .ts (its .js, .d.ts and maps), or a copied asset. */
function sources(path) {
  const base = path.replace(/\.(js|d\.ts)(\.map)?$/, '');
  return [`${base}.ts`, path];
}

let pruned = 0;
if (existsSync(dist)) {
  for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === '.tsbuildinfo') continue;
    const path = relative(dist, join(entry.parentPath ?? entry.path, entry.name));
    if (sources(path).some((candidate) => existsSync(join(src, candidate)))) continue;
    rmSync(join(dist, path));
    pruned++;
  }
  // Folders the pruning emptied go too (deepest first).
  const folders = readdirSync(dist, { recursive: true, withFileTypes: true }).filter((e) => e.isDirectory());
  for (const folder of folders.map((e) => join(e.parentPath ?? e.path, e.name)).sort((a, b) => b.length - a.length)) {
    if (readdirSync(folder).length === 0) rmdirSync(folder);
  }
}
if (pruned > 0) process.stdout.write(`prune-dist: removed ${pruned} file(s) whose source is gone\n`);
