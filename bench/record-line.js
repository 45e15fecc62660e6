// What keepRawData saves (capture/record.ts): a record whose payload came as JSON text (a webhook
// body, an SSE `data:`) is serialised with that text spliced in, instead of stringifying the
// parsed payload again. Run after npm run build:
//   node bench/record-line.js
import { keepRawData, serializeRecord } from '../dist/capture/record.js';

const body = JSON.stringify({
  type: 'openid4vc.issuance.completed',
  timestamp: '2026-12-02T08:00:00.000Z',
  data: { id: 'cmfwfjxdq003js601bmgy9tva', sessionId: 's-123', status: 'SUCCESSFUL', credentials: [{ format: 'jwt_vc_json', id: 'urn:uuid:1234' }], note: 'x'.repeat(300) },
});
const record = () => ({
  v: 1,
  source: 'sse',
  receivedAt: '2026-12-02T08:00:00.000Z',
  provider: 'waltid',
  type: 'credential_request_w3c_vc_succeeded',
  id: `e-${Math.random()}`,
  sessionId: 's-123',
  status: 'SUCCESSFUL',
  url: 'http://127.0.0.1:7005/issuer2/sessions/s-123/events',
  data: JSON.parse(body),
});
const N = 20_000;
const WAYS = {
  spliced: (r) => {
    keepRawData(r, body);
    serializeRecord(r);
  },
  stringified: (r) => serializeRecord(r),
};
const results = Object.fromEntries(Object.keys(WAYS).map((name) => [name, []]));
for (let round = 0; round < 7; round++) {
  for (const [name, way] of Object.entries(WAYS)) {
    const records = Array.from({ length: N }, record);
    const started = process.hrtime.bigint();
    for (const r of records) way(r);
    results[name].push(Number(process.hrtime.bigint() - started) / N / 1000);
  }
}
const median = (values) => values.sort((a, b) => a - b)[values.length >> 1];
for (const [name, values] of Object.entries(results)) console.log(`${name.padEnd(12)} ${median(values).toFixed(2)} µs per record (median of 7 rounds of ${N})`);
