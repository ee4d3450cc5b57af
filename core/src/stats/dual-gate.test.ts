import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dualGate } from './dual-gate.js';

const higher = { worse: 'higher' as const, absolute: 10, relativePercent: 30 };
const lower = { worse: 'lower' as const, absolute: 100, relativePercent: 10 };

test('a regression needs both gates: absolute alone or relative alone is not enough', () => {
  assert.equal(dualGate(100, 140, higher).verdict, 'regressed'); // +40, +40 %
  assert.equal(dualGate(3, 9, higher).verdict, 'unchanged'); // +200 % but +6 < 10
  assert.equal(dualGate(1000, 1050, higher).verdict, 'unchanged'); // +50 but +5 % < 30 %
  assert.equal(dualGate(100, 130, higher).verdict, 'regressed'); // exactly on both thresholds counts
  assert.equal(dualGate(100, 129.9, higher).verdict, 'unchanged');
});

test('each direction: higher-is-worse and lower-is-worse regress and improve the opposite ways', () => {
  assert.equal(dualGate(140, 90, higher).verdict, 'improved');
  assert.equal(dualGate(10_000, 8_000, lower).verdict, 'regressed');
  assert.equal(dualGate(8_000, 10_000, lower).verdict, 'improved');
  const r = dualGate(10_000, 8_000, lower);
  assert.equal(r.delta, -2000);
  assert.equal(r.relativePercent, -20);
});

test('zero on side A never yields a relative regression; zero on side B is judged', () => {
  const fromZero = dualGate(0, 1_000_000, higher);
  assert.equal(fromZero.verdict, 'unchanged');
  assert.equal(fromZero.relativePercent, null);
  assert.equal(fromZero.delta, 1_000_000);
  assert.equal(dualGate(0, 5000, lower).verdict, 'unchanged');
  assert.equal(dualGate(5000, 0, lower).verdict, 'regressed'); // iterations fell to nothing: -100 %
  assert.equal(dualGate(50, 0, higher).verdict, 'improved');
});

test('both zero, equal values and one side missing', () => {
  assert.deepEqual(dualGate(0, 0, higher), { verdict: 'unchanged', delta: 0, relativePercent: null });
  assert.deepEqual(dualGate(7, 7, higher), { verdict: 'unchanged', delta: 0, relativePercent: 0 });
  assert.equal(dualGate(null, 500, higher).verdict, 'coverage');
  assert.equal(dualGate(500, undefined, higher).verdict, 'coverage');
  assert.equal(dualGate(500, Number.NaN, higher).verdict, 'coverage');
  assert.equal(dualGate(null, null, higher).verdict, 'unchanged');
});

test('negative side A uses its magnitude for the relative change', () => {
  assert.equal(dualGate(-100, -50, higher).relativePercent, 50);
});
