import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostTopology } from '../host/host-topology.js';
import { type DeclaredTest, planRun } from './plan.js';

const SMALL = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const host: HostTopology = {
  onlineCpus: [0, 1], allowedCpus: [0, 1], numaNodes: [{ id: 0, cpus: [0, 1] }],
  llcs: [{ id: 0, cpus: [0, 1], node: 0 }], llcSource: 'physical package', threadsPerCore: 1,
};
const tests: DeclaredTest[] = [
  { name: 'a', durationMs: 2000, scheduler: { name: 's', topology: SMALL } },
  { name: 'b', durationMs: 2000, topology: SMALL },
  { name: 'c', durationMs: 2000, scheduler: { name: 'eevdf', topology: SMALL }, requiresSmt: true, maxCpus: 16 },
];
const base = { kernels: ['k1', 'k2'], arch: 'x86_64' as const, host: { topology: host, accel: 'tcg' as const } };
const running = (p: ReturnType<typeof planRun>) => p.entries.filter((e) => e.status === 'run').map((e) => e.name);

test('a default run is each test\'s home cell per kernel', () => {
  assert.deepEqual(running(planRun(tests, base)), ['a/tiny-2llc/k1', 'a/tiny-2llc/k2', 'b/tiny-2llc/k1', 'b/tiny-2llc/k2', 'c/smt-2llc/k1', 'c/smt-2llc/k2']);
});

test('--gauntlet runs every passing preset; the host check skips big TCG cells with the reason, noPerfMode lifts it', () => {
  const p = planRun(tests, { ...base, kernels: ['k'], gauntlet: true });
  const skipped = p.entries.filter((e) => e.status === 'skip');
  assert.ok(skipped.length > 0);
  assert.ok(skipped.every((e) => /^host: \d+ vCPUs under TCG/.test(e.reason)));
  assert.deepEqual(p.entries.filter((e) => e.test === 'c').map((e) => e.preset), ['smt-2llc', 'smt-3llc']);
  const relaxed = planRun(tests, { ...base, kernels: ['k'], gauntlet: true, noPerfModeEnv: true });
  assert.equal(relaxed.entries.filter((e) => e.status === 'skip').length, 0);
});

test('performanceMode cells are skipped under TCG', () => {
  const p = planRun([{ name: 'p', durationMs: 1000, topology: SMALL, performanceMode: true }], base);
  assert.ok(p.entries.every((e) => e.status === 'skip' && /performanceMode needs KVM/.test(e.reason)));
});

test('shards of one plan partition its cells: together they are the unsharded run', () => {
  const whole = running(planRun(tests, { ...base, gauntlet: true })).sort();
  const parts = [1, 2, 3].map((index) => running(planRun(tests, { ...base, gauntlet: true, shard: { index, count: 3 } })));
  assert.deepEqual(parts.flat().sort(), whole);
  assert.equal(new Set(parts.flat()).size, whole.length);
});

test('a budget selection stays within the budget and says why each cell is in or out', () => {
  const p = planRun(tests, { ...base, budgetSecs: 30 });
  const chosen = p.entries.filter((e) => e.status === 'run');
  assert.ok(chosen.length > 0);
  assert.ok(chosen.reduce((s, e) => s + e.estimateMs, 0) <= 30_000);
  assert.ok(p.entries.every((e) => e.status === 'skip' || e.reason.startsWith('budget: ')));
});

test('two tests of one name are refused', () => {
  assert.throws(() => planRun([tests[1]!, { ...tests[1]!, file: 'x.test.ts' }], base), /declares cell b\/tiny-2llc\/k1 twice \(again in x.test.ts\)/);
});
