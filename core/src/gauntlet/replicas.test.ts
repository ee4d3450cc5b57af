import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellNameOfEntry, withReplicas } from './replicas.js';
import type { PlanEntry } from './plan.js';

const entry = (name: string, status: PlanEntry['status']) => ({ name, status }) as PlanEntry;

test('--repeat gives every running cell N replicas with distinct names; skips stay single', () => {
  const out = withReplicas([entry('t/p/k', 'run'), entry('u/p/k', 'skip')], 3);
  assert.deepEqual(out.map((e) => [e.name, e.replica]), [['t/p/k', 1], ['t/p/k#2', 2], ['t/p/k#3', 3], ['u/p/k', undefined]]);
  assert.deepEqual(out.map((e) => cellNameOfEntry(e)), ['t/p/k', 't/p/k', 't/p/k', 'u/p/k']);
  assert.equal(cellNameOfEntry({ name: 'odd#2 name', replica: undefined }), 'odd#2 name');
  assert.equal(withReplicas([entry('t/p/k', 'run')], 1)[0]!.replica, undefined);
  assert.throws(() => withReplicas([], 0), /--repeat: must be a whole number >= 1/);
});
