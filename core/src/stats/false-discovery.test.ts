import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benjaminiHochberg } from './false-discovery.js';

test('the k-th smallest p-value is a discovery at k/m·q, and so is every smaller one', () => {
  // m = 4, q = 0.05: cuts 0.0125, 0.025, 0.0375, 0.05.
  assert.deepEqual(benjaminiHochberg([0.01, 0.04, 0.03, 0.2], 0.05), [true, false, false, false]);
  // 0.03 is third (cut 0.0375) and passes, so the second (0.026 > 0.025) passes with it.
  assert.deepEqual(benjaminiHochberg([0.026, 0.03, 0.001, 0.9], 0.05), [true, true, true, false]);
  assert.deepEqual(benjaminiHochberg([0.2, 0.3], 0.05), [false, false]);
});

test('null is not a test: it neither counts in the family nor becomes a discovery', () => {
  assert.deepEqual(benjaminiHochberg([0.02, null, null, 0.9], 0.05), [true, false, false, false]);
  assert.deepEqual(benjaminiHochberg([null, null], 0.05), [false, false]);
  assert.deepEqual(benjaminiHochberg([], 0.05), []);
});

test('one p-value of 0.001 among 40 unchanged metrics is not believed; among 4 it is', () => {
  const many = [0.001, ...Array.from({ length: 39 }, (_, i) => 0.1 + i * 0.02)];
  // 0.001 > 0.05/40 = 0.00125? No: it passes. 0.002 does not.
  assert.equal(benjaminiHochberg(many, 0.05)[0], true);
  assert.equal(benjaminiHochberg([0.002, ...many.slice(1)], 0.05)[0], false);
  assert.equal(benjaminiHochberg([0.002, 0.5, 0.6, 0.7], 0.05)[0], true);
});
