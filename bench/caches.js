// Micro-benchmark of the module-level caches (`isoNow`, the quoted-string cache of the record
// serialiser; the Standard Webhooks key map went, see standardKey): each against what it saves, and against the unit of
// work it is part of (one record serialised, one delivery verified). Run: npm run build && node bench/caches.js
import { createHmac } from 'node:crypto';
import { serializeRecord, sseRecord } from '../dist/capture/record.js';
import { eventFromSse } from '../dist/issuer/catalog.js';
import { fromBase64 } from '../dist/webhooks/crypto.js';
import { standardKey } from '../dist/webhooks/standard.js';

const N = 1_000_000;
let sink = 0;

/** Nanoseconds per call of `fn`, best of five runs of N calls. */
function ns(fn) {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 5; run++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) sink += fn(i);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / N);
  }
  return best;
}

const url = 'http://127.0.0.1:7002/openid4vc/sessions/0f3c2a9e-1b7d-4c55-9a77-2f1d1e0c1a11/events';
const strings = [url, 'credential_request_w3c_vc_succeeded', 'SUCCESSFUL', 'waltid', 'sse', new Date().toISOString()];
const quoted = new Map(strings.map((s) => [s, JSON.stringify(s)]));
const text = '{"target":"0f3c2a9e","event":"credential_request_w3c_vc_succeeded","session":{"id":"0f3c2a9e","status":"SUCCESSFUL","isClosed":true}}';
const record = sseRecord(eventFromSse({ data: text }), { url });

let lastMs = 0;
let lastIso = '';
const isoNow = () => {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
};
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const key = fromBase64(secret.slice(6));
const signed = `msg_1.1700000000.${'x'.repeat(400)}`;

const rows = [
  ['JSON.stringify of a recurring string', ns((i) => JSON.stringify(strings[i % 6]).length)],
  ['  the same from the quoted-string cache', ns((i) => quoted.get(strings[i % 6]).length)],
  ['serializeRecord, one SSE record (spliced payload)', ns(() => serializeRecord(record, text).length)],
  ['new Date().toISOString()', ns(() => new Date(Date.now()).toISOString().length)],
  ['  isoNow() (formatted once per millisecond)', ns(() => isoNow().length)],
  ['Standard Webhooks key decoded (fromBase64)', ns(() => fromBase64(secret.slice(6)).length)],
  ['  standardKey() (the same, after the whsec_ prefix)', ns(() => standardKey(secret).length)],
  ['HMAC-SHA256 of a 400-byte delivery', ns(() => createHmac('sha256', key).update(signed).digest().length)],
];
for (const [name, value] of rows) console.log(`${name.padEnd(52)} ${value.toFixed(0).padStart(6)} ns`);
if (sink === 0) console.log('');
