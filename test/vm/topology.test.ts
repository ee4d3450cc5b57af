// The guest must see the topology a cell asks for: CPUs, NUMA nodes, LLCs and SMT siblings,
// read from its own sysfs. CellVm.boot already refuses a mismatch; these tests also check the
// comparison itself against what the guest reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellVm, compareTopology, observeTopology, topologyLabel, type Topology } from '@ktstr/core';
import { skipReason, testKernel } from './cell-env.js';

const shapes: Topology[] = [
  { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 },
  { numaNodes: 2, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 },
  { numaNodes: 1, llcs: 2, coresPerLlc: 1, threadsPerCore: 2 },
];

for (const topology of shapes) {
  test(`guest reports ${topologyLabel(topology)} as requested`, { skip: skipReason, timeout: 180_000 }, async () => {
    const vm = await CellVm.boot({ name: `topology/${topologyLabel(topology)}`, kernel: await testKernel(), topology, durationMs: 1000 });
    try {
      const seen = observeTopology(vm.hello.cpus);
      assert.deepEqual(compareTopology(topology, seen), []);
      assert.equal(seen.nodeCpus.length || 1, topology.numaNodes);
      assert.equal(seen.llcCpus.length, topology.llcs);
      assert.ok(seen.coreCpus.every((c) => c.length === topology.threadsPerCore));
    } finally {
      await vm.destroy();
    }
  });
}

test('a guest with another shape than requested is rejected', () => {
  // Asking for 2 LLCs but seeing one socket-wide L3 is what an AMD-vendor CPU model produces.
  const seen = observeTopology([0, 1, 2, 3].map((cpu) => ({ cpu, node: 0, package: 0, die: 0, core: cpu, llc: '0-3', siblings: String(cpu) })));
  assert.notDeepEqual(compareTopology(shapes[0]!, seen), []);
});
