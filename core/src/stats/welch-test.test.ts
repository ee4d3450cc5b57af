import { test } from 'node:test';
import assert from 'node:assert/strict';
import { welchTest } from './welch-test.js';

test('a textbook case on the values: t and the Welch–Satterthwaite degrees of freedom', () => {
  // A 0 keeps the test off logarithms. Means 2 and 6, variances 4 and 4, n = 3 each:
  // t = 4 / sqrt(4/3 + 4/3) = 2.449, df = 4, two-sided p = 0.0705 (t tables).
  const r = welchTest([0, 2, 4], [4, 6, 8])!;
  assert.equal(r.log, false);
  assert.ok(Math.abs(r.t - 2.449) < 0.001, String(r.t));
  assert.ok(Math.abs(r.df - 4) < 1e-9, String(r.df));
  assert.ok(Math.abs(r.p - 0.0705) < 0.0005, String(r.p));
});

test('positive values are tested as ratios: ×10 everywhere is the same test as ×10 anywhere else', () => {
  const a = welchTest([100, 150, 120], [300, 420, 390])!;
  const b = welchTest([1, 1.5, 1.2], [3, 4.2, 3.9])!;
  assert.equal(a.log, true);
  assert.ok(Math.abs(a.p - b.p) < 1e-12);
  assert.ok(a.t > 0, 'B is higher');
});

test('unequal spreads: one tight side does not make a wide one significant', () => {
  // A tight by chance, B wide: what looked like "every B above every A" is weak evidence here.
  const r = welchTest([0.179, 0.19, 0.2], [0.308, 0.35, 0.4375])!;
  assert.ok(r.df < 3, `df ${r.df}`);
  assert.ok(r.p > 0.005, `p ${r.p}`);
  // A change several times the spread is strong evidence.
  assert.ok(welchTest([300, 450, 560], [3000, 4200, 6000])!.p < 0.002);
});

test('no spread on either side: a difference is exact; fewer than two replicas: no test', () => {
  assert.equal(welchTest([2, 2, 2], [3, 3, 3])!.p, 0);
  assert.equal(welchTest([2, 2], [2, 2])!.p, 1);
  assert.equal(welchTest([1], [2, 3]), null);
});
