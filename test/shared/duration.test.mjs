import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseSize } from '../../dist/shared/duration.js';

test('durations and sizes', () => {
  assert.equal(parseDuration('1500ms'), 1500);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('2'), 2000);
  assert.equal(parseDuration('0.5s'), 500);
  assert.throws(() => parseDuration('5 minutes'), { code: 'E_USAGE', exitCode: 2 });
  assert.throws(() => parseDuration('-1s'), { code: 'E_USAGE' });
  assert.equal(parseSize('512kb'), 524288);
  assert.equal(parseSize('1mb'), 1048576);
  assert.equal(parseSize('100'), 100);
  assert.throws(() => parseSize('lots'), { code: 'E_USAGE' });
});
