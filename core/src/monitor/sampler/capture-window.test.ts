import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureLabel, captureOffsetsMs } from './capture-window.js';

test('N captures cut the 10 %–90 % window into N + 1 equal parts', () => {
  assert.deepEqual(captureOffsetsMs(1, 2000), [1000]);
  assert.deepEqual(captureOffsetsMs(3, 2000), [600, 1000, 1400]);
  assert.deepEqual(captureOffsetsMs(0, 2000), []);
});

test('every capture lies strictly inside the window, ascending, whatever N', () => {
  for (const n of [1, 2, 5, 17, 100]) {
    const at = captureOffsetsMs(n, 1000);
    assert.equal(at.length, n);
    for (const [i, t] of at.entries()) {
      assert.ok(t > 100 && t < 900, `capture ${i} of ${n} at ${t}`);
      if (i > 0) assert.ok(t > at[i - 1]!);
    }
  }
});

test('no workload, no captures; a bad count is refused', () => {
  assert.deepEqual(captureOffsetsMs(3, 0), []);
  assert.throws(() => captureOffsetsMs(-1, 1000), RangeError);
  assert.throws(() => captureOffsetsMs(1.5, 1000), RangeError);
});

test('captures are labelled periodic_NNN', () => {
  assert.equal(captureLabel(0), 'periodic_000');
  assert.equal(captureLabel(12), 'periodic_012');
});
