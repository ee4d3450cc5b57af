import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostTopology } from './host-topology.js';
import { defaultCpuCap, planCpus, resolveCpuCap } from './cpu-budget.js';

// 2 nodes x 2 LLCs x 4 CPUs: node0 = LLC0 {0-3}, LLC1 {4-7}; node1 = LLC2 {8-11}, LLC3 {12-15}.
const llcs = [0, 1, 2, 3].map((id) => ({ id, node: id < 2 ? 0 : 1, cpus: [0, 1, 2, 3].map((c) => id * 4 + c) }));
const all = llcs.flatMap((l) => l.cpus);
const host: HostTopology = {
  onlineCpus: all, allowedCpus: all, llcs, llcSource: 'cache/index3', threadsPerCore: 1,
  numaNodes: [{ id: 0, cpus: all.slice(0, 8) }, { id: 1, cpus: all.slice(8) }],
};

test('takes whole LLCs first and the last one in part, so the plan has exactly N CPUs', () => {
  const p = planCpus(host, 6)!;
  assert.deepEqual(p.cpus, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(p.llcs.map((l) => [l.llc.id, l.whole]), [[0, true], [1, false]]);
  assert.deepEqual(p.nodes, [0]);
});

test('stays in one NUMA node when it fits, preferring the node with most free CPUs', () => {
  const p = planCpus(host, 4, new Set([0]))!;
  assert.deepEqual(p.cpus, [8, 9, 10, 11]);
  assert.deepEqual(p.nodes, [1]);
});

test('respects the affinity mask and busy CPUs; undefined when too few remain', () => {
  const masked = { ...host, allowedCpus: [2, 3, 12] };
  assert.deepEqual(planCpus(masked, 3)!.cpus, [2, 3, 12]);
  assert.equal(planCpus(masked, 3, new Set([12])), undefined);
});

test('the default cap is 30% of allowed CPUs, at least one; flags and env are validated', () => {
  assert.equal(defaultCpuCap(host), 4);
  assert.equal(defaultCpuCap({ ...host, allowedCpus: [0, 1] }), 1);
  assert.equal(resolveCpuCap(host, undefined, {}), 4);
  assert.equal(resolveCpuCap(host, undefined, { KTSTR_CPU_CAP: '3' }), 3);
  assert.equal(resolveCpuCap(host, 2, { KTSTR_CPU_CAP: '3' }), 2);
  assert.throws(() => resolveCpuCap(host, 17, {}), /--cpu-cap: is more than the 16 CPU/);
  assert.throws(() => resolveCpuCap(host, undefined, { KTSTR_CPU_CAP: 'x' }), /KTSTR_CPU_CAP: must be a whole number/);
});
