import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convergesTo } from './converges.js';
import { columnOf } from './fixtures/synthetic-series.js';

test('three consecutive in-band samples starting before the deadline pass and say where', () => {
  const v = convergesTo(columnOf([50, 20, 11, 9, 10, 30]), 10, 1, 300);
  assert.equal(v.pass, true);
  assert.deepEqual(v.notes, ['within [9, 11] from sample 2 at 200 ms']);
});

test('the band is absolute and inclusive', () => {
  assert.equal(convergesTo(columnOf([0.5, -0.5, 0]), 0, 0.5, 0).pass, true);
  assert.equal(convergesTo(columnOf([0.51, -0.5, 0, 0.5]), 0, 0.5, 0).pass, false);
});

test('a deadline exactly at the witness\'s first sample passes; one ms earlier fails', () => {
  const col = columnOf([50, 20, 10, 10, 10]);
  assert.equal(convergesTo(col, 10, 0, 200).pass, true);
  assert.equal(convergesTo(col, 10, 0, 199).failure,
    'series events.x: convergesTo(10, 0, 199): first held within [10, 10] for 3 consecutive samples from sample 2 at 200 ms, after the deadline 199 ms; '
    + 'by the deadline, sample 1 at 100 ms read 20, previous 50 (sample 0 at 0 ms)');
});

test('single crossings of the band are no witness', () => {
  const v = convergesTo(columnOf([20, 10, 0, 10, 20, 10, 10]), 10, 1, 1000);
  assert.match(v.failure!, /never held within \[9, 11\] for 3 consecutive samples starting by 1000 ms; by the deadline, sample 6 at 600 ms read 10, previous 10 \(sample 5 at 500 ms\); the longest run in band starting by then was 2 from sample 5 at 500 ms/);
});

test('no sample by the deadline is said so', () => {
  assert.match(convergesTo(columnOf([5, 5, 5], { startMs: 100 }), 5, 0, 50).failure!, /first held .* from sample 0 at 100 ms, after the deadline 50 ms; no sample was taken by the deadline \(the first is sample 0 at 100 ms\)/);
});

test('empty and one-sample series pass with a note; two samples cannot witness three and fail', () => {
  assert.equal(convergesTo(columnOf([]), 0, 1, 100).pass, true);
  assert.deepEqual(convergesTo(columnOf([99]), 0, 1, 100).notes, ['only 1 usable sample of 1; nothing to compare, passes unjudged']);
  assert.match(convergesTo(columnOf([0, 0]), 0, 1, 1000).failure!, /needs 3 consecutive samples within \[-1, 1\] by 1000 ms; the series has only 2 usable/);
});

test('a projection error anywhere fails, even after the witness', () => {
  assert.match(convergesTo(columnOf([1, 1, 1, { placeholder: 'late freeze' }]), 1, 0, 0).failure!, /sample 3 at 300 ms: PlaceholderSample/);
  assert.match(convergesTo(columnOf([1, NaN, 1]), 1, 0, 0).failure!, /TypeMismatch/);
});

test('with skipGaps a skipped sample breaks a run: the three must be read back to back', () => {
  const gap = columnOf([1, 1, { missing: true }, 1, 5, 1, 1, 1], { kinds: ['sample', 'sample', 'sample', 'sample', 'sample', 'capture', 'capture', 'capture'] });
  const late = convergesTo(gap, 1, 0, 400, { skipGaps: true });
  assert.match(late.failure!, /first held .* from capture 5 \(periodic_005\) at 500 ms, after the deadline 400 ms/);
  assert.match(late.failure!, /skipped 1 sample without data: sample 2 at 200 ms \(MissingSample\)/);
  assert.equal(convergesTo(gap, 1, 0, 500, { skipGaps: true }).pass, true);
});

test('bad arguments fail as such', () => {
  assert.match(convergesTo(columnOf([1, 1, 1]), NaN, 1, 0).failure!, /target must be a finite number/);
  assert.match(convergesTo(columnOf([1, 1, 1]), 1, -1, 0).failure!, /tolerance a number >= 0/);
});
