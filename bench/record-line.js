// The cost that serializeRecord's per-record line cache (capture/record.ts) saves: listen --save
// --json and tail --save --json want each record's line twice (the capture file, stdout). Cached,
// the second reader gets the same string; uncached, it would serialise the record again, and
// without the payload's own text at hand (the renderer has only the record) stringify the payload.
//   node bench/record-line.js        (after npm run build)
import { keepRawData, serializeRecord } from '../dist/capture/record.js';

const body = JSON.stringify({
  type: 'openid4vc.issuance.completed',
  timestamp: '2026-12-02T08:00:00.000Z',
  data: { id: 'cmfwfjxdq003js601bmgy9tva', sessionId: 's-123', status: 'SUCCESSFUL', credentials: [{ format: 'jwt_vc_json', id: 'urn:uuid:1234' }], note: 'x'.repeat(300) },
});
const record = () => ({
  v: 1,
  source: 'webhook',
  receivedAt: '2026-12-02T08:00:00.000Z',
  provider: 'crossmint',
  type: 'openid4vc.issuance.completed',
  id: `msg_${Math.random()}`,
  sessionId: 's-123',
  status: 'SUCCESSFUL',
  verified: true,
  scheme: 'svix',
  request: { method: 'POST', path: '/hook', headers: { 'content-type': 'application/json', 'svix-id': 'msg_1' }, body },
  data: JSON.parse(body),
});
const N = 20_000;
const WAYS = {
  // Today: the line is made once (the payload's text spliced in) and read by both.
  cached: (pair) => {
    keepRawData(pair[0], body);
    serializeRecord(pair[0]);
    serializeRecord(pair[0]);
  },
  // Without the cache: the capture splices, the renderer serialises the record again.
  'serialised twice': (pair) => {
    keepRawData(pair[0], body);
    serializeRecord(pair[0]);
    serializeRecord(pair[1]);
  },
};
const results = Object.fromEntries(Object.keys(WAYS).map((name) => [name, []]));
for (let round = 0; round < 7; round++) {
  for (const [name, way] of Object.entries(WAYS)) {
    const pairs = Array.from({ length: N }, () => [record(), record()]);
    const started = process.hrtime.bigint();
    for (const pair of pairs) way(pair);
    results[name].push(Number(process.hrtime.bigint() - started) / N / 1000);
  }
}
const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
for (const [name, values] of Object.entries(results)) console.log(`${name.padEnd(18)} ${median(values).toFixed(2)} µs per record (median of 7 rounds of ${N})`);
