import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alwaysTrue } from './always-true.js';
import { columnOf, seriesOf } from './fixtures/synthetic-series.js';

test('true at every sample passes', () => {
  assert.deepEqual(alwaysTrue(columnOf([true, true, true])), { pattern: 'alwaysTrue()', column: 'events.x', pass: true, notes: [] });
});

test('a false names the sample, its time and the previous value', () => {
  assert.equal(alwaysTrue(columnOf([true, true, false], { kinds: ['sample', 'sample', 'capture'] })).failure,
    'series events.x: alwaysTrue(): capture 2 (periodic_002) at 200 ms: false; previous true (sample 1 at 100 ms)');
  assert.match(alwaysTrue(columnOf([false, true])).failure!, /sample 0 at 0 ms: false; the first usable sample/);
});

test('a single sample is still judged, with the short-series note', () => {
  const v = alwaysTrue(columnOf([false]));
  assert.equal(v.pass, false);
  assert.match(v.failure!, /\[only 1 usable sample of 1; nothing to compare, passes unjudged\]/);
  assert.equal(alwaysTrue(columnOf([true])).pass, true);
  assert.deepEqual(alwaysTrue(columnOf([])).notes, ['only 0 usable samples of 0; nothing to compare, passes unjudged']);
});

test('numbers are not booleans: 0 and 1 are a type mismatch', () => {
  assert.match(alwaysTrue(columnOf([1, 1])).failure!, /sample 0 at 0 ms: TypeMismatch: events\.x: expected a boolean, found a number \(1\)/);
});

test('projection errors fail; skipGaps leaves out failed captures', () => {
  assert.match(alwaysTrue(columnOf([true, { placeholder: 'x' }])).failure!, /sample 1 at 100 ms: PlaceholderSample/);
  assert.equal(alwaysTrue(columnOf([true, { placeholder: 'x' }, true]), { skipGaps: true }).pass, true);
});

test('a projected invariant over every CPU', () => {
  const s = seriesOf([1, 2, 3]);
  const bounded = s.project('every CPU runs <= 2', (d) => (d.events as { x: number }).x <= 2);
  assert.match(alwaysTrue(bounded).failure!, /^series every CPU runs <= 2: alwaysTrue\(\): sample 2 at 200 ms: false; previous true/);
});
