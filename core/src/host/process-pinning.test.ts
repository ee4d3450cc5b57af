import { test } from 'node:test';
import assert from 'node:assert/strict';
import { observerCpus } from './process-pinning.js';

test('the observer runs on the allowed CPUs the VMs do not use', () => {
  assert.deepEqual(observerCpus([0, 1, 2, 3], [1]), [0, 2, 3]);
  assert.deepEqual(observerCpus([0, 1], [0]), [1]);
});

test('when the VMs hold every allowed CPU, the observer shares them rather than having none', () => {
  assert.deepEqual(observerCpus([0, 1], [0, 1]), [0, 1]);
  assert.deepEqual(observerCpus([3], [3]), [3]);
});
