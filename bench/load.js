// Load generator (own process): POSTs pre-signed Standard Webhooks deliveries over C connections.
// Usage: node load.js <url> <requests> <connections> <secret> [standard|hmac]
// `hmac` signs with a generic `X-Signature: sha256=<hex>` HMAC of the body (key = secret as UTF-8).
// Prints {"rps":…, "p50":…, "p99":…, "ok":…, "failed":…} as one JSON line.
import { createHmac } from 'node:crypto';
import { Agent, request } from 'undici';

const [url, total = '20000', connections = '64', secret, scheme = 'standard'] = process.argv.slice(2);
const n = Number(total);
const c = Number(connections);
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
const ts = String(Math.floor(Date.now() / 1000));
const run = Math.random().toString(36).slice(2, 8);
const deliveries = Array.from({ length: n }, (_, i) => {
  const id = `msg_${run}_${i}`;
  const body = JSON.stringify({ type: 'credential.creation.succeeded', data: { id: `cred-${i}`, subject: 'did:example:123', claims: { name: 'Ada Lovelace', degree: 'BSc' } } });
  if (scheme === 'hmac') {
    return { body, headers: { 'content-type': 'application/json', 'x-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` } };
  }
  const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  return { body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1,${sig}` } };
});
const agent = new Agent({ connections: c, pipelining: 1, keepAliveTimeout: 30_000 });
const latencies = new Float64Array(n);
let next = 0;
let ok = 0;
let failed = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: c }, async () => {
    while (next < n) {
      const i = next++;
      const d = deliveries[i];
      const t = performance.now();
      try {
        const res = await request(url, { method: 'POST', headers: d.headers, body: d.body, dispatcher: agent });
        await res.body.dump();
        if (res.statusCode === 200) ok++;
        else failed++;
      } catch {
        failed++;
      }
      latencies[i] = performance.now() - t;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const sorted = Array.from(latencies).sort((a, b) => a - b);
process.stdout.write(`${JSON.stringify({ rps: n / seconds, p50: sorted[Math.floor(n * 0.5)], p99: sorted[Math.floor(n * 0.99)], ok, failed })}\n`);
await agent.close();
