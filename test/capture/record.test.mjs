import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serializeRecord, serializeSseRecord, sseRecord } from '../../dist/capture/record.js';
import { eventFromSse } from 'issuer-events';

test('the SSE fast path writes exactly what the generic serialiser writes', () => {
  const texts = [
    '{"target":"s1","event":"credential_request_w3c_vc_succeeded","session":{"status":"SUCCESSFUL","isClosed":true}}',
    '{"target":"s\\"2\\u2028","event":"x\\ny","session":{"status":"ACTIVE"},"requestId":"r"}',
    '{"offerId":"o1","status":"COMPLETED","note":"…ünïcödé"}',
  ];
  for (const [i, text] of texts.entries()) {
    for (const named of [undefined, 'jwt_issue']) {
      const record = sseRecord(eventFromSse({ data: text, event: named, id: i % 2 ? `id-${i}` : undefined }), {
        url: `http://127.0.0.1:1/issuer2/sessions/s${i}/events`,
        event: named,
      });
      if (i === 2) record.redacted = ['session.issuerKey.jwk.d'];
      const fast = serializeSseRecord(record, text);
      assert.equal(fast, serializeRecord(record, text));
      assert.deepEqual(JSON.parse(fast).data, JSON.parse(text));
    }
  }
  // Text that cannot be spliced (a line break in it) takes the generic path.
  const multi = '{"target":"s",\n"event":"e"}';
  const record = sseRecord(eventFromSse({ data: multi }), { url: 'http://x/' });
  assert.equal(serializeSseRecord(record, multi), JSON.stringify(record));
});

test("the webhook fast path writes exactly what the generic serialiser writes, for the receiver's own records", async (t) => {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { WebhookReceiver, CaptureWriter, EVENT_CATALOG, buildTrigger } = await import('issuer-events');
  const { PROVIDER_SCHEMES } = await import('../../dist/trigger/templates.js');
  const { serializeWebhookRecord } = await import('../../dist/capture/record.js');
  const dir = mkdtempSync(join(tmpdir(), 'ie-record-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const secrets = { standard: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', svix: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', igrant: 'igrant-demo-secret' };
  const capture = await CaptureWriter.open(join(dir, 'c.ndjson'));
  /** @type {any[]} */
  const records = [];
  const receiver = new WebhookReceiver({
    host: '127.0.0.1',
    port: 0,
    scheme: 'auto',
    secrets: Object.values(secrets),
    toleranceSec: 300,
    allowUnsigned: true,
    maxBody: 1 << 20,
    capture,
    onResult: (result) => records.push(result.record),
  });
  const url = await receiver.start();
  /** @type {{ path?: string, headers: Record<string, string>, body: string }[]} */
  const requests = EVENT_CATALOG.map((entry) => {
    const scheme = PROVIDER_SCHEMES[entry.provider];
    const built = buildTrigger({ entry, to: url, scheme, secret: secrets[/** @type {'standard'} */ (scheme)], sets: [] });
    return { headers: built.headers, body: built.body };
  });
  const json = { 'content-type': 'application/json' };
  requests.push(
    { path: '/hook/ünï?q="x"', headers: { ...json, 'x-note': 'quote " and \\ backslash' }, body: '{"type":"credential.creation.succeeded","data":{"id":"c\\u2028\\"1"}}' },
    { headers: json, body: '  {"event":"x","target":"s"}' },
    { headers: json, body: '\ufeff{"event":"x","target":"s"}' },
    { headers: json, body: '{\n  "event": "pretty",\n  "target": "s"\n}' },
    { headers: json, body: '[1,2,{"a":null}]' },
    { headers: { 'content-type': 'text/plain' }, body: 'plain text' },
    { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'payload=%7B%22type%22%3A%22openid.credential.issued%22%7D' },
    { headers: { ...json, 'webhook-id': 'm1', 'webhook-timestamp': '1', 'webhook-signature': 'v1,AAAA' }, body: '{"rejected":true}' },
  );
  for (const r of requests) {
    const res = await fetch(new URL(r.path ?? '/', url), { method: 'POST', headers: r.headers, body: r.body });
    await res.arrayBuffer();
  }
  await receiver.close();
  await capture.close();
  const lines = readFileSync(join(dir, 'c.ndjson'), 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, requests.length);
  assert.equal(records.length, requests.length);
  let fast = 0;
  for (const [i, record] of records.entries()) {
    const raw = record.request?.body;
    // The receiver's record objects, in their own key order: the fast text is the generic text.
    if (raw !== undefined) assert.equal(serializeWebhookRecord(record, raw), serializeRecord(record, raw), `record ${i}`);
    if (raw !== undefined && typeof record.data === 'object' && record.data !== null && !raw.includes('\n') && raw.charCodeAt(0) !== 0xfeff && !record.redacted) fast++;
    // What was written is that record.
    assert.deepEqual(JSON.parse(lines[i]), JSON.parse(serializeRecord(record)), `line ${i + 1}`);
  }
  assert.ok(fast >= EVENT_CATALOG.length, `the fast path was taken ${fast} times`);
});
