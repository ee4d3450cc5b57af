import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ratioWithin } from './ratio.js';
import { SampleSeries } from './sample-series.js';
import { seriesOf } from './fixtures/synthetic-series.js';
import type { Sample } from './sample.js';

/** Fallback and total selections per sample (null: a failed capture). */
function selections(rows: ([number, number] | null | [number, number, 'unread'])[]): SampleSeries {
  return new SampleSeries(rows.map((r, i): Sample => ({
    index: i, elapsedMs: i * 100, kind: 'sample',
    data: r === null ? { error: 'no freeze' } : r[2] === 'unread' ? { events: { fallback: r[0] }, stats: null } : { events: { fallback: r[0] }, stats: { selected: r[1] } },
  })));
}

test('the ratio of two columns holds at every sample', () => {
  const s = selections([[1, 10], [5, 100], [0, 3]]);
  assert.equal(ratioWithin(s.field('events.fallback'), s.field('stats.selected'), 0, 0.1).pass, true);
});

test('a ratio outside the band names the sample, both values and the previous ratio', () => {
  const s = selections([[1, 10], [30, 100]]);
  assert.equal(ratioWithin(s.field('events.fallback'), s.field('stats.selected'), 0, 0.2).failure,
    'series events.fallback: ratioWithin(stats.selected, 0, 0.2): sample 1 at 100 ms: ratio 0.3 outside [0, 0.2] (events.fallback 30, stats.selected 100); previous ratio 0.1 (sample 0 at 0 ms)');
  assert.match(ratioWithin(s.field('events.fallback'), s.field('stats.selected'), 0.2, 1).failure!, /sample 0 at 0 ms: ratio 0\.1 .*; the first usable sample/);
});

test('a zero denominator is reported, not divided, even 0/0', () => {
  const s = selections([[1, 10], [0, 0]]);
  assert.equal(ratioWithin(s.field('events.fallback'), s.field('stats.selected'), 0, 1).failure,
    'series events.fallback: ratioWithin(stats.selected, 0, 1): sample 1 at 100 ms: denominator stats.selected is 0 (events.fallback 0, stats.selected 0); no ratio');
  assert.match(ratioWithin(selections([[3, 0]]).field('events.fallback'), selections([[3, 0]]).field('stats.selected'), 0, 1).failure!, /denominator stats\.selected is 0/);
});

test('empty and one-sample series: nothing or one sample judged, with a note', () => {
  const e = selections([]);
  assert.deepEqual(ratioWithin(e.field('events.fallback'), e.field('stats.selected'), 0, 1).notes, ['only 0 usable samples of 0; nothing to compare, passes unjudged']);
  const one = selections([[5, 10]]);
  assert.equal(ratioWithin(one.field('events.fallback'), one.field('stats.selected'), 0, 0.1).pass, false);
});

test('an error in either column fails with its cause; skipGaps judges the samples both kept', () => {
  const s = selections([[1, 10], null, [2, 20, 'unread'], [3, 30]]);
  const num = s.field('events.fallback');
  const den = s.field('stats.selected');
  assert.match(ratioWithin(num, den, 0, 1).failure!, /sample 1 at 100 ms: PlaceholderSample: events\.fallback/);
  assert.match(ratioWithin(s.field('events.fallback'), den, 0, 1, { skipGaps: false }).failure!, /PlaceholderSample/);
  const v = ratioWithin(num, den, 0.1, 0.1, { skipGaps: true });
  assert.equal(v.pass, true);
  assert.deepEqual(v.notes, [
    'skipped 1 sample without data: sample 1 at 100 ms (PlaceholderSample)',
    'stats.selected: skipped 2 samples without data: sample 1 at 100 ms (PlaceholderSample), sample 2 at 200 ms (MissingStats)',
  ]);
  assert.match(ratioWithin(num, s.field('stats.nope'), 0, 1, { skipGaps: true }).failure!, /sample 0 at 0 ms: FieldNotFound: stats\.nope: stats has no key nope/);
});

test('columns of other samples are refused; equal samples from another series object are fine', () => {
  const a = seriesOf([1, 2, 3]).field('events.x');
  const b = seriesOf([1, 2]).field('events.x');
  assert.match(ratioWithin(a, b, 0, 10).failure!, /events\.x was projected from other samples \(2 against 3\)/);
  assert.equal(ratioWithin(a, seriesOf([1, 2, 3]).field('events.x'), 1, 1).pass, true);
});

test('bounds that are no range fail as such', () => {
  const s = selections([[1, 10]]);
  assert.match(ratioWithin(s.field('events.fallback'), s.field('stats.selected'), 1, 0).failure!, /not a range/);
});
