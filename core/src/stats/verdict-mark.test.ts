import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricComparison } from './compare.js';
import { verdictMark } from './verdict-mark.js';

const row = (o: Partial<MetricComparison>): MetricComparison => ({
  metric: 'worstGapMs', a: 100, b: 900, aSpread: 0, bSpread: 0, aRange: null, bRange: null, delta: 800, relativePercent: 800, verdict: 'unchanged', pValue: null, ...o,
});
const judged = { hostContention: { a: 4, b: 4, judged: true } };
const contended = { hostContention: { a: 4, b: 40, judged: false, why: 'QEMU waited longer in B' } };

test('each verdict has its words; a plainly unchanged metric has none', () => {
  assert.equal(verdictMark(row({ verdict: 'regressed' }), judged), 'REGRESSED');
  assert.equal(verdictMark(row({ verdict: 'improved' }), judged), 'improved');
  assert.equal(verdictMark(row({ verdict: 'coverage' }), judged), 'one side only');
  assert.equal(verdictMark(row({}), judged), '');
  assert.equal(verdictMark(row({ withinNoise: true, pValue: 0.4137 }), judged), 'within noise (p 0.41)');
});

test('an unjudged metric says why: its note, host contention, or that it has no thresholds', () => {
  assert.equal(verdictMark(row({ verdict: 'unjudged', note: 'under TCG judged per VM CPU second' }), judged), 'under TCG judged per VM CPU second');
  assert.equal(verdictMark(row({ verdict: 'unjudged', note: 'QEMU waited longer in B' }), contended), 'host contention');
  // A metric without thresholds is not judged on any pair, contended or not.
  assert.equal(verdictMark(row({ verdict: 'unjudged', metric: 'vmCpuMs' }), contended), 'no thresholds');
  assert.equal(verdictMark(row({ verdict: 'unjudged', metric: 'vmCpuMs' }), judged), 'no thresholds');
});
