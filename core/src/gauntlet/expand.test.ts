import { test } from 'node:test';
import assert from 'node:assert/strict';
import { presetsFor } from '@ktstr/presets';
import { expandGauntlet, expandTest } from './expand.js';

const SMALL = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const opts = { kernels: ['7.2', '7.3'], arch: 'x86_64' as const };

test('an ungated test expands over every preset x kernel, named test/preset/kernel', () => {
  const cells = expandGauntlet({ name: 't', scheduler: { name: 's', topology: SMALL } }, opts);
  assert.equal(cells.length, 24 * 2);
  assert.equal(cells[0]!.name, 't/tiny-1llc/7.2');
  assert.equal(new Set(cells.map((c) => c.name)).size, cells.length);
  // The scheduler's topology is tiny-2llc's shape: that preset is home, nothing else.
  assert.deepEqual(cells.filter((c) => c.home).map((c) => c.name), ['t/tiny-2llc/7.2', 't/tiny-2llc/7.3']);
});

test('a home shape that is no preset joins the expansion under its label', () => {
  const home = { numaNodes: 1, llcs: 2, coresPerLlc: 3, threadsPerCore: 1 };
  const cells = expandGauntlet({ name: 't', scheduler: { name: 's', topology: home }, maxCpus: 6 }, { kernels: ['k'], arch: 'x86_64' });
  assert.deepEqual(cells.map((c) => c.preset), ['1n2l3c1t', 'tiny-1llc', 'tiny-2llc']);
  assert.deepEqual(cells.filter((c) => c.home).map((c) => c.preset), ['1n2l3c1t']);
});

test('when the scheduler topology fails the gates, the smallest passing preset is home', () => {
  const r = expandTest({ name: 't', scheduler: { name: 's', topology: SMALL }, minNumaNodes: 2 }, { kernels: ['k'], arch: 'x86_64' });
  assert.deepEqual(r.cells.filter((c) => c.home).map((c) => c.preset), ['numa2-4llc']);
  assert.ok(r.excluded.some((e) => /scheduler s's topology fails the gates/.test(e.reason)));
  assert.ok(r.excluded.some((e) => e.preset === 'tiny-1llc' && e.reason === 'gate: 1 NUMA nodes < minNumaNodes 2'));
});

test('an explicit topology pins one cell per kernel; --topology elsewhere leaves it out', () => {
  const t = { name: 'p', topology: SMALL };
  const cells = expandGauntlet(t, opts);
  assert.deepEqual(cells.map((c) => [c.name, c.pinned, c.home]), [['p/tiny-2llc/7.2', true, true], ['p/tiny-2llc/7.3', true, true]]);
  const r = expandTest(t, { ...opts, topologyFilter: 'smt-2llc' });
  assert.equal(r.cells.length, 0);
  assert.deepEqual(r.excluded, [{ preset: 'smt-2llc', reason: 'pinned to 1n2l2c1t' }]);
  assert.throws(() => expandGauntlet({ name: 'p', topology: SMALL, minLlcs: 4 }, opts), /fails the test's own gates: 2 LLCs < minLlcs 4/);
});

test('--topology keeps one shape, also one outside the presets; --filter matches cell names', () => {
  assert.deepEqual(expandGauntlet({ name: 't' }, { ...opts, topologyFilter: 'odd-3llc' }).map((c) => c.name), ['t/odd-3llc/7.2', 't/odd-3llc/7.3']);
  assert.deepEqual(expandGauntlet({ name: 't' }, { ...opts, topologyFilter: '1n3l1c1t' }).map((c) => c.name), ['t/1n3l1c1t/7.2', 't/1n3l1c1t/7.3']);
  assert.deepEqual(expandGauntlet({ name: 't', requiresSmt: true }, { ...opts, topologyFilter: 'tiny-1llc' }), []);
  assert.deepEqual(expandGauntlet({ name: 't' }, { ...opts, filter: 'smt-2llc/7\\.3$' }).map((c) => c.name), ['t/smt-2llc/7.3']);
  assert.throws(() => expandGauntlet({ name: 't' }, { ...opts, filter: '(' }), /--filter: is not a regular expression/);
});

test('aarch64 expands over its 14 presets only', () => {
  const cells = expandGauntlet({ name: 't' }, { kernels: ['k'], arch: 'aarch64' });
  assert.deepEqual(cells.map((c) => c.preset), presetsFor('aarch64').map((p) => p.name));
});

test('no passing preset is an error, not an empty expansion', () => {
  assert.throws(() => expandGauntlet({ name: 't', minCpus: 1000 }, opts), /no x86_64 preset passes these gates \(minCpus: 1000\)/);
  assert.throws(() => expandGauntlet({ name: 't' }, { kernels: [], arch: 'x86_64' }), /kernels: is empty/);
  assert.throws(() => expandGauntlet({ name: 't' }, { kernels: ['a', 'b', 'a'], arch: 'x86_64' }), /kernels: is given twice/);
});
