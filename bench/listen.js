// listen: deliveries/s and latency at 64 connections, Standard Webhooks verification + --save,
// vs a bare node:http + HMAC + append-to-file server. Optionally vs adnanh/webhook when installed.
import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './lib.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const node = process.execPath;
const here = (f) => new URL(`./${f}`, import.meta.url).pathname;

function startServer(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d) => {
      err += d;
      const m = /(?:Ready! Listening on|serving hooks on) (\S+)/.exec(err);
      if (m) resolve({ url: m[1], stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${err}`)));
  });
}

/** Load on one URL, or on several in turns of 1,000 (A, B, A, B…): one result per URL. */
function load(urls, requests, connections, secret = SECRET, scheme = 'standard') {
  const list = [urls].flat();
  const r = spawnSync(node, [here('load.js'), list.join(','), String(requests), String(connections), secret, scheme, '1000'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`load.js exited ${r.status}: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  return Array.isArray(out) ? out : [out];
}

export async function run({ rounds, row, log, flag }) {
  const requests = Number(flag('requests', '20000'));
  const dir = mkdtempSync(join(tmpdir(), 'ie-bench-'));
  log(`listen: ${requests} deliveries at 64 connections…`);
  const tool = [],
    base = [],
    synced = [];
  for (let r = 0; r < rounds; r++) {
    // All three run at once and take the load in turns, so that the shared machine's changing
    // load falls on each alike; each is warmed up first.
    const b = await startServer(node, [here('baseline-listen.js'), SECRET, join(dir, `base-${r}.ndjson`)]);
    const t = await startServer(node, [BIN, 'listen', '--port', '0', '--secret', SECRET, '--save', join(dir, `tool-${r}.ndjson`), '--quiet']);
    // --fsync: every capture write is on disk before the 2xx (writes are batched, then synced).
    const f = await startServer(node, [BIN, 'listen', '--port', '0', '--secret', SECRET, '--save', join(dir, `fsync-${r}.ndjson`), '--fsync', '--quiet']);
    try {
      load([b.url, t.url, f.url], 2000, 64); // warm-up
      const [bl, tl, fl] = load([b.url, t.url, f.url], requests, 64);
      base.push(bl);
      tool.push(tl);
      synced.push(fl);
    } finally {
      b.stop();
      t.stop();
      f.stop();
    }
    log(
      `  round ${r + 1}: tool ${Math.round(tool.at(-1).rps)}/s p99 ${tool.at(-1).p99.toFixed(1)}ms (failed ${tool.at(-1).failed}), baseline ${Math.round(base.at(-1).rps)}/s p99 ${base.at(-1).p99.toFixed(1)}ms, --fsync ${Math.round(synced.at(-1).rps)}/s`,
    );
  }
  row(
    'listen: deliveries/s (64 conns)',
    tool.map((x) => x.rps),
    base.map((x) => x.rps),
    'req/s',
    '≥ 0.85x',
    'vs node:http + HMAC + append',
  );
  row(
    'listen --fsync: deliveries/s (64 conns)',
    synced.map((x) => x.rps),
    tool.map((x) => x.rps),
    'req/s',
    '',
    'cost of --fsync: vs listen without it',
  );
  row(
    'listen: p50 latency',
    tool.map((x) => x.p50),
    base.map((x) => x.p50),
    'ms',
    '',
  );
  row(
    'listen: p99 latency',
    tool.map((x) => x.p99),
    base.map((x) => x.p99),
    'ms',
    '< 20 ms',
  );

  const webhook = spawnSync('sh', ['-c', 'command -v webhook'], { encoding: 'utf8' }).stdout.trim();
  if (!webhook) {
    log('  adnanh/webhook not installed (apt-get install webhook): comparison skipped');
    return;
  }
  // adnanh/webhook with its payload-hmac-sha256 rule over the raw body, vs listen with the same
  // generic HMAC scheme and --save. webhook runs a command per hook (here /bin/true) and keeps no capture.
  const secret = 'bench-hmac-secret';
  const hooks = join(dir, 'hooks.json');
  writeFileSync(
    hooks,
    JSON.stringify([
      { id: 'in', 'execute-command': '/bin/true', 'trigger-rule': { match: { type: 'payload-hmac-sha256', secret, parameter: { source: 'header', name: 'X-Signature' } } } },
    ]),
  );
  log(`listen vs adnanh/webhook: ${requests} deliveries at 64 connections…`);
  const ours = [],
    theirs = [];
  // One after the other, not in turns: webhook runs a process per delivery, and those would still
  // be running during listen's turn.
  for (let r = 0; r < rounds; r++) {
    const w = await startWebhook(webhook, hooks);
    try {
      load(w.url, 1000, 64, secret, 'hmac');
      theirs.push(load(w.url, requests, 64, secret, 'hmac')[0]);
    } finally {
      w.stop();
    }
    const t = await startServer(node, [
      BIN,
      'listen',
      '--port',
      '0',
      '--scheme',
      'hmac-sha256',
      '--signature-header',
      'x-signature',
      '--signature-prefix',
      'sha256=',
      '--secret',
      secret,
      '--save',
      join(dir, `hmac-${r}.ndjson`),
      '--quiet',
    ]);
    try {
      load(t.url, 1000, 64, secret, 'hmac');
      ours.push(load(t.url, requests, 64, secret, 'hmac')[0]);
    } finally {
      t.stop();
    }
    log(`  round ${r + 1}: listen ${Math.round(ours.at(-1).rps)}/s (failed ${ours.at(-1).failed}), webhook ${Math.round(theirs.at(-1).rps)}/s (failed ${theirs.at(-1).failed})`);
  }
  row(
    'listen vs adnanh/webhook: req/s',
    ours.map((x) => x.rps),
    theirs.map((x) => x.rps),
    'req/s',
    '',
    'HMAC rule; webhook 2.8 runs /bin/true per hook, no capture',
  );
  row(
    'listen vs adnanh/webhook: p99',
    ours.map((x) => x.p99),
    theirs.map((x) => x.p99),
    'ms',
    '',
  );
}

/** A port nothing listens on right now (the kernel picks it; webhook cannot be given port 0). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts adnanh/webhook (quiet: its -verbose logs every request) on a free port and waits until it accepts; three tries. */
async function startWebhook(bin, hooks) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn(bin, ['-hooks', hooks, '-ip', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
    let exited = false;
    child.on('exit', () => (exited = true));
    for (let i = 0; i < 200 && !exited; i++) {
      const up = await new Promise((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (up) return { url: `http://127.0.0.1:${port}/hooks/in`, stop: () => child.kill('SIGTERM') };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill();
  }
  throw new Error('adnanh/webhook did not start (3 tries)');
}
