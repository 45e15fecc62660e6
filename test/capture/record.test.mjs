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
