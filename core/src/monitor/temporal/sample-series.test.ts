import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampleSeries } from './sample-series.js';
import { describeSample, isPlaceholder } from './sample.js';
import { describeProjectionError } from './projection-error.js';
import { seriesOf } from './fixtures/synthetic-series.js';

const cpus = (n: number[]) => ({ cpus: n.map((nrRunning) => ({ nrRunning })), events: { fallback: n.length } });

test('periodic samples and captures merge in time order, stable within a millisecond', () => {
  const s = new SampleSeries([
    { index: 0, elapsedMs: 0, kind: 'sample', data: cpus([1]) },
    { index: 2, elapsedMs: 200, kind: 'sample', data: cpus([3]) },
    { index: 0, elapsedMs: 150, kind: 'capture', label: 'periodic_000', data: cpus([2]) },
    { index: 1, elapsedMs: 200, kind: 'capture', label: 'periodic_001', data: cpus([4]) },
  ]);
  assert.deepEqual(s.samples.map((x) => `${x.kind}${x.index}`), ['sample0', 'capture0', 'sample2', 'capture1']);
  assert.deepEqual(s.field('cpus[0].nrRunning').values(), [1, 2, 3, 4]);
  assert.deepEqual(s.ofKind('capture').field('cpus.0.nrRunning').values(), [2, 4]);
  assert.deepEqual(s.ofKind('sample').samples.map((x) => x.elapsedMs), [0, 200]);
  assert.equal(describeSample(s.samples[1]!), 'capture 0 (periodic_000) at 150 ms');
  assert.equal(describeSample({ index: 4, elapsedMs: 412.25, kind: 'sample' }), 'sample 4 at 412.25 ms');
});

test('an elapsed time that is not a time is refused', () => {
  assert.throws(() => new SampleSeries([{ index: 3, elapsedMs: NaN, kind: 'sample', data: {} }]), /sample 3: elapsedMs must be a finite number >= 0, got NaN/);
  assert.throws(() => new SampleSeries([{ index: 1, elapsedMs: -5, kind: 'capture', data: {} }]), /capture 1: elapsedMs/);
});

test('each way a sample lacks a value is a typed error, never 0', () => {
  const col = seriesOf([5, { placeholder: 'guest did not stop within 50 ms' }, { missing: true }, { unread: true }, { absent: true }, 'many', NaN]).field('events.x');
  assert.deepEqual(col.values(), [5, undefined, undefined, undefined, undefined, undefined, undefined]);
  const errors = col.points.map((p) => (p.ok ? 'ok' : describeProjectionError(p.error)));
  assert.deepEqual(errors, [
    'ok',
    'PlaceholderSample: events.x: the capture failed: guest did not stop within 50 ms',
    'MissingSample: events.x: the sample carries no data',
    'MissingStats: events.x: events was recorded as unavailable (null)',
    'FieldNotFound: events.x: events has no key x (keys: y)',
    'TypeMismatch: events.x: expected a number or boolean, found the string "many"',
    'TypeMismatch: events.x: expected a number or boolean, found the non-finite number NaN',
  ]);
  assert.equal(new SampleSeries([{ index: 0, elapsedMs: 0, kind: 'sample', data: undefined }]).field('a').points[0]!.ok, false);
});

test('a placeholder is a record whose error is a string', () => {
  assert.equal(isPlaceholder({ error: 'x' }), true);
  assert.equal(isPlaceholder({ error: { code: 1 } }), false);
  assert.equal(isPlaceholder({ events: {} }), false);
  assert.equal(isPlaceholder(null), false);
});

test('project derives a value per sample; undefined, null and a throw are typed errors', () => {
  const s = new SampleSeries([
    { index: 0, elapsedMs: 0, kind: 'sample', data: cpus([1, 2, 3]) },
    { index: 1, elapsedMs: 100, kind: 'capture', data: { error: 'read fault' } },
    { index: 2, elapsedMs: 200, kind: 'sample', data: { events: {} } },
  ]);
  const total = s.project('runnable', (d) => (d.cpus as { nrRunning: number }[]).reduce((a, c) => a + c.nrRunning, 0));
  assert.equal(total.name, 'runnable');
  assert.deepEqual(total.values(), [6, undefined, undefined]);
  const p1 = total.points[1]!;
  const p2 = total.points[2]!;
  assert.equal(!p1.ok && p1.error.kind, 'PlaceholderSample');
  assert.ok(!p2.ok && p2.error.kind === 'FieldNotFound' && /the projection threw/.test(p2.error.detail));
  const kinds = (fn: (d: Record<string, unknown>) => unknown) => s.project('f', fn).points.map((p) => (p.ok ? p.value : p.error.kind));
  assert.deepEqual(kinds(() => undefined), ['FieldNotFound', 'PlaceholderSample', 'FieldNotFound']);
  assert.deepEqual(kinds(() => null), ['MissingStats', 'PlaceholderSample', 'MissingStats']);
  assert.deepEqual(kinds(() => 0 / 0), ['TypeMismatch', 'PlaceholderSample', 'TypeMismatch']);
  assert.deepEqual(kinds((d) => 'cpus' in d), [true, 'PlaceholderSample', false]);
});

test('an empty series projects to an empty column', () => {
  assert.equal(new SampleSeries([]).field('events.x').length, 0);
});
