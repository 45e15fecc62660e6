// replay: deliveries/s at concurrency 1 and 32 against a local receiver, vs a bare undici loop.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, measure } from './lib.js';

const node = process.execPath;
const here = (f) => new URL(`./${f}`, import.meta.url).pathname;

export async function run({ rounds, row, log, flag }) {
  const n = Number(flag('deliveries', '10000'));
  const file = join(mkdtempSync(join(tmpdir(), 'ie-bench-')), 'capture.ndjson');
  const now = new Date().toISOString();
  const lines = Array.from({ length: n }, (_, i) => {
    const body = JSON.stringify({ type: 'credential.creation.succeeded', data: { id: `cred-${i}`, subject: 'did:example:123' } });
    return JSON.stringify({
      v: 1,
      source: 'webhook',
      receivedAt: now,
      provider: 'crossmint',
      type: 'credential.creation.succeeded',
      sessionId: `cred-${i}`,
      status: 'SUCCESSFUL',
      terminal: true,
      id: `msg_${i}`,
      data: JSON.parse(body),
      verified: true,
      scheme: 'standard',
      reason: null,
      duplicate: false,
      request: { method: 'POST', path: '/', headers: { 'content-type': 'application/json', 'webhook-id': `msg_${i}` }, body },
    });
  });
  writeFileSync(file, `${lines.join('\n')}\n`);
  const receiver = spawn(node, [here('baseline-receiver.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [port] = await once(receiver.stdout, 'data');
  const url = `http://127.0.0.1:${String(port).trim()}/in`;
  try {
    for (const c of [1, 32]) {
      log(`replay: ${n} deliveries at concurrency ${c}…`);
      const tool = [],
        base = [];
      for (let r = 0; r < rounds; r++) {
        const b = await measure(node, [here('baseline-replay.js'), file, url, String(c)]);
        const t = await measure(node, [BIN, 'replay', file, '--to', url, '--concurrency', String(c), '--quiet', '--retries', '0'], { env: { CI: 'true' } });
        if (t.code !== 0) throw new Error(`replay exited ${t.code}: ${t.stderr}`);
        base.push((n / b.ms) * 1000);
        tool.push((n / t.ms) * 1000);
        log(`  round ${r + 1}: tool ${Math.round(tool.at(-1))}/s, baseline ${Math.round(base.at(-1))}/s`);
      }
      row(`replay: deliveries/s (concurrency ${c})`, tool, base, 'req/s', '≥ 0.8x', 'vs bare undici loop; whole process incl. start-up');
    }
  } finally {
    receiver.kill();
  }
}
