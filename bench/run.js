// npm run bench [-- --json] [-- --only startup,tail,concurrent,listen,replay] [-- --rounds N] [-- --events N]
//   [-- --requests N (listen)] [-- --deliveries N (replay)] [-- --sessions N (concurrent)]
// Each figure: the tool vs a baseline doing the same work on the bare platform, run alternately
// in the same run, medians over rounds. Ratios are what to compare across machines.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { BIN, measure, median, mb } from './lib.js';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const json = args.includes('--json');
const only = flag('only', 'startup,tail,concurrent,listen,replay').split(',');
const rounds = Number(flag('rounds', '3'));
const events = Number(flag('events', '1000000'));
const rows = [];
const log = (msg) => process.stderr.write(`${msg}\n`);
const node = process.execPath;

/**
 * One table row. `tool` and `baseline` are numbers or arrays of per-round values; with arrays
 * the ratio is the median of the per-round ratios (each pair ran back to back), which is steadier
 * on a noisy machine than the ratio of the two medians.
 */
function row(figure, tool, baseline, unit, target, note = '') {
  const list = (v) => (Array.isArray(v) ? v : v === undefined ? undefined : [v]);
  const t = list(tool);
  const b = list(baseline);
  const ratio = b ? median(t.map((x, i) => x / b[Math.min(i, b.length - 1)])) : undefined;
  rows.push({ figure, tool: median(t), baseline: b ? median(b) : undefined, unit, ratio, target, note });
}

async function startSource(n) {
  const child = spawn(node, [new URL('./sse-source.js', import.meta.url).pathname, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [data] = await once(child.stdout, 'data');
  return { port: Number(String(data).trim()), stop: () => child.kill() };
}

async function benchStartup() {
  log('startup…');
  const time = (argv) => {
    const t = process.hrtime.bigint();
    spawnSync(node, argv);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const base = [],
    version = [],
    help = [];
  for (let i = 0; i < Math.max(10, rounds * 5); i++) {
    base.push(time(['-e', '0']));
    version.push(time([BIN, '--version']));
    help.push(time([BIN, 'tail', '--help']));
  }
  row('startup: --version', version, base, 'ms', '≤ 1.3x', 'vs node -e 0');
  row('startup: tail --help', help, base, 'ms', '≤ 1.3x', 'vs node -e 0');
}

async function benchTail() {
  log(`tail: ${events} events…`);
  const source = await startSource(events);
  const tool = [],
    base = [],
    rss = [],
    baseRss = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const url = `http://127.0.0.1:${source.port}/issuer2/sessions/s${r}/events`;
      const runBase = () => measure(node, [new URL('./baseline-tail.js', import.meta.url).pathname, url]);
      const runTool = () => measure(node, [BIN, 'tail', url, '--json'], { env: { CI: 'true' } });
      // Who goes first alternates between rounds: each side gets the second place (a machine the
      // first run has just warmed or loaded) as often as the other.
      let b, t;
      if (r % 2 === 0) {
        b = await runBase();
        t = await runTool();
      } else {
        t = await runTool();
        b = await runBase();
      }
      if (t.code !== 0 || t.lines !== events + 1) throw new Error(`tail exited ${t.code} with ${t.lines} lines: ${t.stderr}`);
      base.push((b.lines / b.ms) * 1000);
      tool.push((t.lines / t.ms) * 1000);
      rss.push(t.peakRss);
      baseRss.push(b.peakRss);
      log(`  round ${r + 1}: tool ${Math.round(tool.at(-1))}/s ${mb(t.peakRss)}, baseline ${Math.round(base.at(-1))}/s ${mb(b.peakRss)}`);
    }
  } finally {
    source.stop();
  }
  row(`tail: events/s (${events} events)`, tool, base, 'events/s', '≥ 0.8x', 'vs undici + eventsource-parser');
  row(
    `tail: peak RSS (${events} events)`,
    rss.map((x) => x / 1048576),
    baseRss.map((x) => x / 1048576),
    'MB',
    '< 100 MB',
    'baseline = the bare script',
  );
  // Flatness: the same stream a tenth as long should peak at about the same RSS.
  const small = await startSource(Math.round(events / 10));
  try {
    const t = await measure(node, [BIN, 'tail', `http://127.0.0.1:${small.port}/issuer2/sessions/small/events`, '--json'], { env: { CI: 'true' } });
    row(`tail: peak RSS, ${events} vs ${Math.round(events / 10)} events`, median(rss) / 1048576, t.peakRss / 1048576, 'MB', 'flat (≈ 1x)', 'ratio ≈ 1 means no growth with length');
  } finally {
    small.stop();
  }
}

async function benchConcurrent() {
  const n = Number(flag('sessions', '1000'));
  log(`tail: ${n} concurrent sessions…`);
  const source = await startSource(0);
  try {
    const urls = Array.from({ length: n }, (_, i) => `http://127.0.0.1:${source.port}/idle/s${i}`);
    let connected = 0;
    let child;
    const result = measure(node, [BIN, 'tail', ...urls, '--json', '--verbose'], {
      env: { CI: 'true' },
      onStderr: (d, c) => {
        child = c;
        connected += (d.match(/connected to/g) ?? []).length;
      },
    });
    const started = Date.now();
    while (connected < n && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 100));
    const connectMs = Date.now() - started;
    await new Promise((r) => setTimeout(r, 5000));
    child?.kill('SIGINT');
    const m = await result;
    row(`tail: ${n} sessions, peak RSS`, m.peakRss / 1048576, undefined, 'MB', '< 300 MB', `${connected} connected in ${connectMs} ms`);
    row(`tail: ${n} sessions, CPU`, m.cpuMs, undefined, 'ms', '', `whole run incl. connecting (${(m.ms / 1000).toFixed(1)} s)`);
  } finally {
    source.stop();
  }
}

const sections = { startup: benchStartup, tail: benchTail, concurrent: benchConcurrent };
for (const name of only) {
  if (sections[name]) await sections[name]();
  else if (name === 'listen' || name === 'replay') await (await import(`./${name}.js`)).run({ rounds, row, log, flag });
  else throw new Error(`unknown section ${name}: use startup, tail, concurrent, listen, replay`);
}

if (json) {
  process.stdout.write(`${JSON.stringify({ node: process.version, rows })}\n`);
} else {
  const fmt = (v) => (v === undefined ? '—' : v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(1));
  const lines = [
    ['figure', 'tool', 'baseline', 'unit', 'ratio', 'target', 'note'],
    ...rows.map((r) => [r.figure, fmt(r.tool), fmt(r.baseline), r.unit, r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}x`, r.target, r.note]),
  ];
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
  for (const [i, l] of lines.entries()) {
    process.stdout.write(`| ${l.map((c, j) => String(c).padEnd(widths[j])).join(' | ')} |\n`);
    if (i === 0) process.stdout.write(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n`);
  }
}
