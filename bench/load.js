// Load generator (own process): POSTs pre-signed Standard Webhooks deliveries over C connections.
// Usage: node load.js <url[,url…]> <requests> <connections> <secret> [standard|hmac] [burst]
// `hmac` signs with a generic `X-Signature: sha256=<hex>` HMAC of the body (key = secret as UTF-8).
// With several URLs, each gets <requests> deliveries, sent in turns of <burst> (default 1000):
// A, B, C, then B, C, A… so that a change in the machine's load (shared cores) falls on every target alike.
// Prints {"rps":…, "p50":…, "p99":…, "ok":…, "failed":…} per URL, one JSON line (an array for several).
import { createHmac } from 'node:crypto';
import { Agent, request } from 'undici';

const [urlList, total = '20000', connections = '64', secret, scheme = 'standard', burstText = '1000'] = process.argv.slice(2);
const urls = urlList.split(',');
const n = Number(total);
const c = Number(connections);
const burst = urls.length === 1 ? n : Math.max(1, Math.min(n, Number(burstText)));
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
const ts = String(Math.floor(Date.now() / 1000));

/** n signed deliveries with ids unique to this run and target (the receiver dedupes on them). */
function deliveries(tag) {
  return Array.from({ length: n }, (_, i) => {
    const id = `msg_${tag}_${i}`;
    const body = JSON.stringify({ type: 'credential.creation.succeeded', data: { id: `cred-${i}`, subject: 'did:example:123', claims: { name: 'Ada Lovelace', degree: 'BSc' } } });
    if (scheme === 'hmac') {
      return { body, headers: { 'content-type': 'application/json', 'x-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` } };
    }
    const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
    return { body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1,${sig}` } };
  });
}

const run = Math.random().toString(36).slice(2, 8);
const targets = urls.map((url, t) => ({
  url,
  deliveries: deliveries(`${run}${t}`),
  agent: new Agent({ connections: c, pipelining: 1, keepAliveTimeout: 30_000 }),
  latencies: new Float64Array(n),
  ms: 0,
  ok: 0,
  failed: 0,
}));

/** Sends deliveries [from, to) of one target over its C connections; adds the wall time to the target. */
async function send(target, from, to) {
  let next = from;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (next < to) {
        const i = next++;
        const d = target.deliveries[i];
        const t = performance.now();
        try {
          const res = await request(target.url, { method: 'POST', headers: d.headers, body: d.body, dispatcher: target.agent });
          await res.body.dump();
          if (res.statusCode === 200) target.ok++;
          else target.failed++;
        } catch {
          target.failed++;
        }
        target.latencies[i] = performance.now() - t;
      }
    }),
  );
  target.ms += performance.now() - started;
}

// The turn order rotates with every burst: whoever runs right after another target shares the
// machine with that target's leftover work (its GC, its pending writes), so each takes that place alike.
for (let k = 0, from = 0; from < n; k++, from += burst) {
  for (let j = 0; j < targets.length; j++) await send(targets[(j + k) % targets.length], from, Math.min(n, from + burst));
}

const results = targets.map((target) => {
  const sorted = Array.from(target.latencies).sort((a, b) => a - b);
  return { rps: n / (target.ms / 1000), p50: sorted[Math.floor(n * 0.5)], p99: sorted[Math.floor(n * 0.99)], ok: target.ok, failed: target.failed };
});
process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results)}\n`);
await Promise.all(targets.map((target) => target.agent.close()));
