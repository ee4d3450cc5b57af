import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type DeclaredTest, planRun } from './plan.js';
import { archSkipReason } from './arch-filter.js';
import { declareTest } from '../api/ktstr-test.js';

const SMALL = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const tests: DeclaredTest[] = [
  { name: 'both', durationMs: 2000, topology: SMALL },
  { name: 'arm-only', durationMs: 2000, topology: SMALL, arches: ['aarch64'] },
  { name: 'smt', durationMs: 2000, scheduler: { name: 'eevdf', topology: SMALL }, requiresSmt: true },
];
const byStatus = (arch: 'x86_64' | 'aarch64') => {
  const p = planRun(tests, { kernels: ['k'], arch });
  return Object.fromEntries(p.entries.filter((e) => e.status !== 'left-out').map((e) => [e.name, `${e.status}${e.status === 'skip' ? `: ${e.reason}` : ''}`]));
};

test('an arm-only test runs on aarch64 and is a skip with its reason on x86_64', () => {
  assert.deepEqual(byStatus('x86_64'), {
    'both/tiny-2llc/k': 'run',
    'arm-only/tiny-2llc/k': 'skip: arch: the test runs on aarch64 only; this run is x86_64',
    'smt/smt-2llc/k': 'run',
  });
});

test('on aarch64 a test needing SMT is a skip (its presets have none), not an error that stops the run', () => {
  const s = byStatus('aarch64');
  assert.equal(s['both/tiny-2llc/k'], 'run');
  assert.equal(s['arm-only/tiny-2llc/k'], 'run');
  assert.match(s['smt/tiny-2llc/k']!, /^skip: arch: no aarch64 preset passes the test's gates \(it runs on x86_64\)$/);
});

test('gates that no architecture passes stay an error', () => {
  assert.equal(archSkipReason({ name: 'x', minLlcs: 99 }, 'aarch64'), undefined);
  assert.throws(() => planRun([{ name: 'x', durationMs: 1000, minLlcs: 99 }], { kernels: ['k'], arch: 'aarch64' }), /no aarch64 preset passes/);
});

test('the arch field of a declaration: one or a list, checked, names the field in errors', () => {
  assert.deepEqual(declareTest('a', { arch: 'aarch64' }).arches, ['aarch64']);
  assert.deepEqual(declareTest('b', { arch: ['x86_64', 'aarch64'] }).arches, ['x86_64', 'aarch64']);
  assert.equal(declareTest('c', {}).arches, undefined);
  assert.throws(() => declareTest('d', { arch: 'arm64' as never }), /ktstrTest\("d"\)\.arch: is not a supported architecture \(Debian calls it arm64/);
  assert.throws(() => declareTest('e', { arch: [] as never }), /ktstrTest\("e"\)\.arch: must be an architecture or a non-empty list/);
});
