import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rateWithin } from './rate.js';
import { columnOf } from './fixtures/synthetic-series.js';

test('empty and one-sample series pass with a note', () => {
  assert.deepEqual(rateWithin(columnOf([]), 0, 1).notes, ['only 0 usable samples of 0; nothing to compare, passes unjudged']);
  assert.equal(rateWithin(columnOf([5]), 0, 1).pass, true);
});

test('the rate is the delta per ms over each interval, uneven intervals included', () => {
  // 0 -> 50 over 100 ms, 50 -> 100 over 50 ms: rates 0.5 and 1.
  const col = columnOf([0, 50, 100], { times: [0, 100, 150] });
  assert.equal(rateWithin(col, 0.5, 1).pass, true);
  assert.equal(rateWithin(col, 0, 0.9).failure,
    'series events.x: rateWithin(0, 0.9): sample 2 at 150 ms: rate 1 per ms outside [0, 0.9]: delta 50 over 50 ms (value 100, previous 50 (sample 1 at 100 ms))');
});

test('a rate below the floor (a stalled counter) fails', () => {
  assert.match(rateWithin(columnOf([0, 100, 100]), 0.5, 2).failure!, /sample 2 at 200 ms: rate 0 per ms outside \[0\.5, 2\]: delta 0 over 100 ms/);
});

test('equal values are a zero rate', () => {
  assert.equal(rateWithin(columnOf([4, 4, 4]), 0, 0).pass, true);
});

test('a negative rate is compared, not clamped', () => {
  assert.match(rateWithin(columnOf([10, 5]), 0, 1).failure!, /sample 1 at 100 ms: rate -0\.05 per ms outside \[0, 1\]: delta -5 over 100 ms \(value 5, previous 10/);
  assert.equal(rateWithin(columnOf([10, 5]), -0.1, 0).pass, true);
});

test('two samples at the same time carry no rate: equal values are noted, a jump fails', () => {
  const same = rateWithin(columnOf([0, 10, 10, 20], { times: [0, 100, 100, 200], kinds: ['sample', 'sample', 'capture', 'sample'] }), 0.1, 0.1);
  assert.equal(same.pass, true);
  assert.deepEqual(same.notes, ['1 pair of samples at the same elapsed time with equal values carried no rate']);
  assert.match(rateWithin(columnOf([0, 10, 11], { times: [0, 100, 100], kinds: ['sample', 'sample', 'capture'] }), 0, 1).failure!,
    /capture 2 \(periodic_002\) at 100 ms: changed by 1 in 0 ms \(value 11, previous 10 \(sample 1 at 100 ms\)\); no finite rate/);
});

test('bounds that are no range fail as such', () => {
  assert.match(rateWithin(columnOf([1, 2]), 5, 1).failure!, /the bounds are not a range: need lo <= hi, got lo 5, hi 1/);
  assert.match(rateWithin(columnOf([1, 2]), NaN, 1).failure!, /not a range/);
});

test('infinite bounds leave a side open', () => {
  assert.equal(rateWithin(columnOf([0, 1e9]), 0, Infinity).pass, true);
});

test('projection errors fail with their cause; skipGaps rates across the gap', () => {
  assert.match(rateWithin(columnOf([0, { placeholder: 'timeout' }, 20]), 0, 1).failure!, /sample 1 at 100 ms: PlaceholderSample: events\.x: the capture failed: timeout/);
  // 0 -> 20 over 200 ms: 0.1 per ms, measured across the skipped capture.
  const v = rateWithin(columnOf([0, { placeholder: 'timeout' }, 20]), 0.1, 0.1, { skipGaps: true });
  assert.equal(v.pass, true);
  assert.match(v.notes[0]!, /skipped 1 sample without data/);
  assert.match(rateWithin(columnOf([0, NaN, 20]), 0, 1, { skipGaps: true }).failure!, /TypeMismatch/);
});
