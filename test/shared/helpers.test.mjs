import { test } from 'node:test';
import assert from 'node:assert/strict';
import { causeChain, findCause } from '../../dist/shared/cause.js';
import { SSE_HEADERS, sseComment, sseFrame } from '../../dist/shared/sse-frame.js';

test('causeChain walks an error and what it wraps, outermost first, five deep at most', () => {
  const inner = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const outer = new TypeError('fetch failed', { cause: inner });
  assert.deepEqual([...causeChain(outer)], [outer, inner]);
  assert.deepEqual([...causeChain(undefined)], []);
  let deep = new Error('0');
  for (let i = 1; i < 10; i++) deep = new Error(String(i), { cause: deep });
  assert.equal([...causeChain(deep)].length, 5);
  assert.equal(
    findCause(outer, (e) => e instanceof Error && 'code' in e),
    inner,
  );
  assert.equal(
    findCause(outer, (e) => e instanceof RangeError),
    undefined,
  );
});

test('sseFrame writes one message: event and id when given, data, a blank line', () => {
  assert.equal(sseFrame('{}'), 'data: {}\n\n');
  assert.equal(sseFrame('{"a":1}', { crlf: true }), 'data: {"a":1}\r\n\r\n');
  assert.equal(sseFrame('{}', { event: 'ready' }), 'event: ready\ndata: {}\n\n');
  assert.equal(sseFrame('x', { id: 7 }), 'id: 7\ndata: x\n\n');
  assert.equal(sseComment('keep-alive'), ': keep-alive\n\n');
  assert.equal(SSE_HEADERS['content-type'], 'text/event-stream');
});
