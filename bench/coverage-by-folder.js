// Prints line coverage per src/ folder from c8's json-summary (npm run coverage).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const summary = JSON.parse(readFileSync('coverage/coverage-summary.json', 'utf8'));
const folders = new Map();
for (const [file, data] of Object.entries(summary)) {
  if (file === 'total') continue;
  const rel = relative(process.cwd(), file);
  const folder = rel
    .split('/')
    .slice(0, rel.startsWith('src/') && rel.split('/').length > 2 ? 2 : 1)
    .join('/');
  const f = folders.get(folder) ?? { covered: 0, total: 0 };
  f.covered += data.lines.covered;
  f.total += data.lines.total;
  folders.set(folder, f);
}
console.log('line coverage by folder');
for (const [folder, { covered, total }] of [...folders].sort()) {
  console.log(`  ${folder.padEnd(22)} ${((100 * covered) / Math.max(1, total)).toFixed(1).padStart(5)}%  (${covered}/${total})`);
}
console.log(`  ${'total'.padEnd(22)} ${summary.total.lines.pct.toFixed(1).padStart(5)}%`);
