import { test } from 'node:test';
import assert from 'node:assert/strict';
import { steadyWithin } from './steady.js';
import { columnOf } from './fixtures/synthetic-series.js';

test('after the warmup every value is within the relative band around the mean', () => {
  // Warmup 0..100 ms ignored; mean of 95, 100, 105 is 100; ±5 % holds exactly at the edges.
  assert.equal(steadyWithin(columnOf([0, 500, 95, 100, 105]), 200, 0.05).pass, true);
});

test('a value outside the band names the sample, the band, the mean and the previous value', () => {
  const v = steadyWithin(columnOf([0, 100, 100, 100, 140]), 100, 0.1);
  assert.equal(v.failure,
    'series events.x: steadyWithin(100, 0.1): sample 4 at 400 ms: value 140 outside 110 ± 10% = [99, 121] '
    + '(the mean of 4 samples from 100 ms; 1 outside); previous 100 (sample 3 at 300 ms)');
});

test('the first post-warmup sample out of band says so', () => {
  assert.match(steadyWithin(columnOf([0, 50, 100, 100]), 100, 0.1).failure!, /sample 1 at 100 ms: value 50 .*; the first sample after the warmup$/);
});

test('a sample exactly at the warmup is after it', () => {
  assert.equal(steadyWithin(columnOf([1000, 10, 10]), 100, 0).pass, true);
  assert.equal(steadyWithin(columnOf([10, 1000, 10]), 100, 0).pass, false);
});

test('a warmup longer than the series passes with a note', () => {
  const v = steadyWithin(columnOf([1, 50, 3]), 5000, 0.01);
  assert.equal(v.pass, true);
  assert.deepEqual(v.notes, ['warmup 5000 ms leaves 0 usable samples of 3 (the series ends at 200 ms); nothing to compare, passes unjudged']);
  assert.match(steadyWithin(columnOf([1, 50, 3]), 200, 0.01).notes[0]!, /warmup 200 ms leaves 1 usable sample of 3/);
  assert.match(steadyWithin(columnOf([]), 0, 0.1).notes[0]!, /the series is empty/);
});

test('equal values are steady at any tolerance, a zero mean demands zeros', () => {
  assert.equal(steadyWithin(columnOf([7, 7, 7]), 0, 0).pass, true);
  assert.equal(steadyWithin(columnOf([0, 0, 0]), 0, 0.5).pass, true);
  assert.match(steadyWithin(columnOf([-1, 1]), 0, 0.5).failure!, /value -1 outside 0 ± 50% = \[0, 0\]/);
});

test('a negative mean has a band of the same width', () => {
  assert.equal(steadyWithin(columnOf([-100, -105, -95]), 0, 0.05).pass, true);
});

test('projection errors during the warmup are not judged; after it they fail', () => {
  assert.equal(steadyWithin(columnOf([{ placeholder: 'x' }, { absent: true }, 10, 10]), 200, 0).pass, true);
  assert.match(steadyWithin(columnOf([10, 10, { unread: true }]), 0, 0.1).failure!, /sample 2 at 200 ms: MissingStats/);
  assert.match(steadyWithin(columnOf([10, NaN, 10]), 0, 0.1).failure!, /sample 1 at 100 ms: TypeMismatch/);
  const v = steadyWithin(columnOf([10, { missing: true }, 10]), 0, 0, { skipGaps: true });
  assert.equal(v.pass, true);
  assert.match(v.notes[0]!, /skipped 1 sample/);
});

test('a negative tolerance or warmup fails as a bad argument', () => {
  assert.match(steadyWithin(columnOf([1, 1]), 0, -0.1).failure!, /must be numbers >= 0/);
  assert.match(steadyWithin(columnOf([1, 1]), NaN, 0.1).failure!, /must be numbers >= 0/);
});
