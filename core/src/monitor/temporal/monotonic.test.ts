import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nondecreasing, strictlyIncreasing } from './monotonic.js';
import { columnOf } from './fixtures/synthetic-series.js';

test('empty and one-sample series pass with a note', () => {
  for (const check of [nondecreasing, strictlyIncreasing]) {
    const empty = check(columnOf([]));
    assert.equal(empty.pass, true);
    assert.deepEqual(empty.notes, ['only 0 usable samples of 0; nothing to compare, passes unjudged']);
    assert.deepEqual(check(columnOf([7])).notes, ['only 1 usable sample of 1; nothing to compare, passes unjudged']);
  }
});

test('equal values are nondecreasing but not strictly increasing', () => {
  assert.deepEqual(nondecreasing(columnOf([1, 1, 2, 2])), { pattern: 'nondecreasing()', column: 'events.x', pass: true, notes: [] });
  const v = strictlyIncreasing(columnOf([1, 2, 2, 3]));
  assert.equal(v.pass, false);
  assert.equal(v.failure, 'series events.x: strictlyIncreasing(): sample 2 at 200 ms: value 2 not above previous 2 (sample 1 at 100 ms)');
  assert.equal(strictlyIncreasing(columnOf([1, 2, 3])).pass, true);
});

test('a decrease names the sample, its time, the value and the previous value', () => {
  const v = nondecreasing(columnOf([10, 12, 11.5, 20]));
  assert.equal(v.failure, 'series events.x: nondecreasing(): sample 2 at 200 ms: value 11.5 below previous 12 (sample 1 at 100 ms)');
});

test('captures and samples are judged in one time order and named by kind', () => {
  const col = columnOf([1, 3, 2], { times: [0, 100, 150], kinds: ['sample', 'sample', 'capture'] });
  assert.match(nondecreasing(col).failure!, /capture 2 \(periodic_002\) at 150 ms: value 2 below previous 3 \(sample 1 at 100 ms\)/);
  // Out of order as given, in order by time.
  assert.equal(nondecreasing(columnOf([5, 1, 9], { times: [200, 0, 300] })).pass, true);
});

test('NaN fails as a type mismatch, not as a silently false comparison', () => {
  const v = nondecreasing(columnOf([1, NaN, 3]));
  assert.equal(v.failure, 'series events.x: nondecreasing(): sample 1 at 100 ms: TypeMismatch: events.x: expected a number or boolean, found the non-finite number NaN');
});

test('a boolean column is not a counter', () => {
  assert.match(nondecreasing(columnOf([true, true])).failure!, /sample 0 at 0 ms: TypeMismatch: events.x: expected a number, found a boolean \(true\)/);
});

test('a projection error on any sample fails with its variant, path, sample and time', () => {
  assert.match(nondecreasing(columnOf([1, 2, { placeholder: 'no freeze' }, 4], { kinds: ['sample', 'sample', 'capture', 'sample'] })).failure!,
    /nondecreasing\(\): capture 2 \(periodic_002\) at 200 ms: PlaceholderSample: events\.x: the capture failed: no freeze$/);
  assert.match(nondecreasing(columnOf([{ missing: true }, 1])).failure!, /sample 0 at 0 ms: MissingSample: events\.x/);
  assert.match(nondecreasing(columnOf([1, { unread: true }])).failure!, /sample 1 at 100 ms: MissingStats: events\.x: events was recorded as unavailable/);
  assert.match(strictlyIncreasing(columnOf([1, 2, { absent: true }])).failure!, /sample 2 at 200 ms: FieldNotFound: events\.x: events has no key x/);
  // Even a single bad sample in an otherwise short series fails: the gap is the news.
  assert.equal(nondecreasing(columnOf([{ placeholder: 'x' }])).pass, false);
});

test('skipGaps leaves out samples without data, notes them, and compares across the gap', () => {
  const col = columnOf([1, { placeholder: 'no freeze' }, { missing: true }, { unread: true }, 2], { kinds: ['sample', 'capture', 'sample', 'sample', 'sample'] });
  const v = nondecreasing(col, { skipGaps: true });
  assert.equal(v.pass, true);
  assert.deepEqual(v.notes, ['skipped 3 samples without data: capture 1 (periodic_001) at 100 ms (PlaceholderSample), sample 2 at 200 ms (MissingSample), sample 3 at 300 ms (MissingStats)']);
  assert.match(nondecreasing(columnOf([3, { placeholder: 'x' }, 2]), { skipGaps: true }).failure!,
    /sample 2 at 200 ms: value 2 below previous 3 \(sample 0 at 0 ms\) \[skipped 1 sample without data: sample 1 at 100 ms \(PlaceholderSample\)\]/);
});

test('skipGaps never skips a wrong path or type', () => {
  assert.match(nondecreasing(columnOf([1, { absent: true }, 2]), { skipGaps: true }).failure!, /FieldNotFound/);
  assert.match(nondecreasing(columnOf([1, 'x', 2]), { skipGaps: true }).failure!, /TypeMismatch/);
});

test('skipping every sample leaves a short series that passes with both notes', () => {
  const v = nondecreasing(columnOf([{ placeholder: 'a' }, 5, { missing: true }]), { skipGaps: true });
  assert.equal(v.pass, true);
  assert.equal(v.notes.length, 2);
  assert.match(v.notes[1]!, /only 1 usable sample of 3/);
});

test('many skipped samples are summarised', () => {
  const v = nondecreasing(columnOf([...Array.from({ length: 7 }, () => ({ missing: true as const })), 1, 2]), { skipGaps: true });
  assert.match(v.notes[0]!, /^skipped 7 samples without data: .*, and 2 more$/);
});
