// Baseline for `replay`: read an NDJSON capture, POST each record's raw body with its headers
// using a bare undici request loop at the given concurrency. Usage: node baseline-replay.js <file> <url> <concurrency>
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';

const [file, url, concurrency = '1'] = process.argv.slice(2);
const records = readFileSync(file, 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
const dispatcher = new Agent({ connections: Number(concurrency) });
let next = 0;
let ok = 0;
await Promise.all(
  Array.from({ length: Number(concurrency) }, async () => {
    while (next < records.length) {
      const r = records[next++];
      const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': r.id }, body: r.request.body, dispatcher });
      await res.body.dump();
      if (res.statusCode === 200) ok++;
    }
  }),
);
process.stdout.write(`${ok}\n`);
await dispatcher.close();
