import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepRawData, RECORD_FIELD_NAMES, serializeRecord, sseRecord } from '../../dist/capture/record.js';

/** The line of a copy of `record` (the payload's text, when given, kept by its maker), frozen: serialising changes nothing. */
function lineOf(record, raw) {
  const copy = { ...record };
  if (raw !== undefined) keepRawData(copy, raw);
  return serializeRecord(Object.freeze(copy));
}
import { eventFromSse } from '../../dist/issuer/catalog.js';

test('every field of the record is written, in the order of the description', () => {
  /** @type {import('../../dist/capture/record.js').CaptureRecord} */
  const record = {
    v: 1,
    source: 'webhook',
    receivedAt: '2026-01-01T00:00:00.000Z',
    provider: 'standard',
    type: 'credential.issued',
    sessionId: 's"1',
    status: 'SUCCESSFUL',
    terminal: true,
    id: 'msg_1',
    data: { a: [1, { b: null }] },
    duplicate: false,
    verified: true,
    scheme: 'standard',
    reason: null,
    request: { method: 'POST', path: '/h', headers: { 'content-type': 'application/json' }, body: '{}', bodyBase64: 'e30=', bodyTruncated: true, bodyOmitted: false, bodySize: 2 },
    responseStatus: 200,
    redacted: ['a.d'],
    conflict: true,
    acceptance: 'verified',
    url: 'http://127.0.0.1:1/events',
    event: 'jwt_issue',
  };
  // The fixture sets every field the description knows: a field added there must be added here.
  assert.deepEqual(Object.keys(record).sort(), [...RECORD_FIELD_NAMES].sort());
  Object.freeze(record);
  for (const raw of [undefined, '{"a":[1,{"b":null}]}']) {
    // Frozen: serialising never changes the caller's record.
    const line = lineOf(record, raw);
    assert.deepEqual(JSON.parse(line), record);
    assert.deepEqual(Object.keys(JSON.parse(line)), RECORD_FIELD_NAMES);
  }
});

test('the payload text is spliced in when it is one line of JSON, else the payload is serialised', () => {
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
      const spliced = lineOf(record, text);
      assert.ok(spliced.endsWith(`,"data":${text}}`));
      assert.deepEqual(JSON.parse(spliced), JSON.parse(lineOf(record)));
      assert.deepEqual(JSON.parse(spliced).data, JSON.parse(text));
    }
  }
  // Text that cannot be spliced (a line break in it) is not: the payload is serialised.
  const multi = '{"target":"s",\n"event":"e"}';
  const record = sseRecord(eventFromSse({ data: multi }), { url: 'http://x/' });
  assert.equal(lineOf(record, multi), lineOf(record));
  assert.deepEqual(JSON.parse(lineOf(record, multi)), JSON.parse(JSON.stringify(record)));
});

test("the receiver's records are written whole, their payload text spliced in", async (t) => {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { WebhookReceiver, CaptureWriter, EVENT_CATALOG, buildTrigger } = await import('issuer-events');
  const { PROVIDER_SCHEMES } = await import('../../dist/trigger/templates.js');
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
    if (
      raw !== undefined &&
      typeof record.data === 'object' &&
      record.data !== null &&
      !raw.includes('\n') &&
      raw.charCodeAt(0) !== 0xfeff &&
      !record.redacted &&
      !record.request.headers['content-type']?.includes('form-urlencoded')
    ) {
      // The payload's own text ends the line.
      assert.equal(lines[i], lineOf(record, raw), `record ${i}`);
      assert.ok(lines[i].endsWith(`,"data":${raw}}`), `record ${i}`);
      fast++;
    }
    // What was written is that record, and the line any other consumer (--json) gets is the same text.
    assert.deepEqual(JSON.parse(lines[i]), JSON.parse(lineOf(record)), `line ${i + 1}`);
    assert.equal(serializeRecord(record), lines[i], `line ${i + 1}`);
  }
  assert.ok(fast >= EVENT_CATALOG.length, `the payload text was spliced ${fast} times`);
});
