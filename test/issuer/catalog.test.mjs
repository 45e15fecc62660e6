import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEvent, eventFromSse } from '../../dist/issuer/catalog.js';
import { conditionMet, parseCondition } from '../../dist/issuer/condition.js';
import { judgeSessionStatus } from '../../dist/issuer/status.js';

test('the {} keep-alive is not an event; a named {} is', () => {
  assert.equal(eventFromSse({ data: '{}' }), null);
  assert.equal(eventFromSse({ data: '{}', event: 'ping' }).type, 'ping');
});

test('type: event: name, else the JSON event/type/eventType, else "message"', () => {
  assert.equal(eventFromSse({ data: '{"event":"jwt_issue"}', event: 'message' }).type, 'jwt_issue');
  assert.equal(eventFromSse({ data: '{"event":"a"}', event: 'b' }).type, 'b');
  assert.equal(eventFromSse({ data: '{"type":"openid.credential.credential_issued"}' }).type, 'openid.credential.credential_issued');
  assert.equal(eventFromSse({ data: '{"eventType":"openid4vc.issuance.completed"}' }).type, 'openid4vc.issuance.completed');
  assert.equal(eventFromSse({ data: 'hello' }).type, 'message');
  assert.equal(eventFromSse({ data: '{broken' }).data, '{broken');
});

test('status rules: session.status, top-level status, isClosed', () => {
  assert.deepEqual(judgeSessionStatus(undefined, undefined), { terminal: false });
  assert.deepEqual(judgeSessionStatus('ACTIVE', false), { terminal: false });
  assert.deepEqual(judgeSessionStatus('SUCCESSFUL', true), { terminal: true, outcome: 'success' });
  assert.deepEqual(judgeSessionStatus('COMPLETED', undefined), { terminal: true, outcome: 'success' });
  for (const s of ['UNSUCCESSFUL', 'REJECTED_BY_USER', 'EXPIRED', 'FAILED']) assert.deepEqual(judgeSessionStatus(s), { terminal: true, outcome: 'failure' });
  assert.deepEqual(judgeSessionStatus('ACTIVE', true), { terminal: true, outcome: 'failure' });
  const e = eventFromSse({ data: JSON.stringify({ target: 's1', event: 'x', session: { status: 'EXPIRED' } }) });
  assert.equal(e.sessionId, 's1');
  assert.equal(e.status, 'EXPIRED');
  assert.equal(e.terminal, true);
  const ent = eventFromSse({ event: 'jwt_issue', data: JSON.stringify({ offerId: 'o1', status: 'COMPLETED' }) });
  assert.equal(ent.sessionId, 'o1');
  assert.equal(ent.outcome, 'success');
});

test('conditions and summaries', () => {
  assert.deepEqual(parseCondition('status:successful'), { kind: 'status', status: 'SUCCESSFUL' });
  assert.deepEqual(parseCondition('jwt_issue'), { kind: 'type', type: 'jwt_issue' });
  assert.throws(() => parseCondition(''), { exitCode: 2 });
  assert.equal(conditionMet(parseCondition('status:SUCCESSFUL'), { type: 'x', status: 'SUCCESSFUL' }), true);
  assert.equal(conditionMet(parseCondition('jwt_issue'), { type: 'sdjwt_issue' }), false);
  const failed = eventFromSse({ data: JSON.stringify({ event: 'token_request_failed', error: 'invalid_grant', error_description: 'expired code' }) });
  assert.equal(failed.failed, true);
  assert.equal(describeEvent(failed), 'invalid_grant: expired code');
  assert.equal(describeEvent(eventFromSse({ data: '{"event":"nonce_request_succeeded"}' })), 'nonce issued (issuer-wide stream only)');
  // A type new to the catalog still says what its suffix means.
  assert.equal(describeEvent(eventFromSse({ data: '{"event":"revocation_request_succeeded"}' })), 'succeeded');
});

test('docs/events.md is the event catalog (npm run docs:events regenerates it)', async () => {
  const { readFileSync } = await import('node:fs');
  const { eventsPage } = await import('../../scripts/events-doc.mjs');
  assert.equal(readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8'), eventsPage());
});
