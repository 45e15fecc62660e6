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
  const f = folders.get(folder) ?? { covered: 0, total: 0, bCovered: 0, bTotal: 0 };
  f.covered += data.lines.covered;
  f.total += data.lines.total;
  f.bCovered += data.branches.covered;
  f.bTotal += data.branches.total;
  folders.set(folder, f);
}
console.log('coverage by folder: lines, branches');
const pct = (a, b) => `${((100 * a) / Math.max(1, b)).toFixed(1).padStart(5)}%`;
for (const [folder, { covered, total, bCovered, bTotal }] of [...folders].sort()) {
  console.log(`  ${folder.padEnd(22)} ${pct(covered, total)}  ${pct(bCovered, bTotal)}`);
}
console.log(`  ${'total'.padEnd(22)} ${pct(summary.total.lines.covered, summary.total.lines.total)}  ${pct(summary.total.branches.covered, summary.total.branches.total)}`);
