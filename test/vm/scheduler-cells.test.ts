// Cells under EEVDF and under the fixture sched_ext scheduler, end to end: boot, attach,
// scenario, per-worker results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellVm, SCX_KTSTR, cgroup, cpuset, hold, work } from '@ktstr/core';
import { skipReason, testKernel } from './cell-env.js';

const twoLlcs = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };

test('an EEVDF cell runs pinned cgroups and reports every worker', { skip: skipReason, timeout: 180_000 }, async () => {
  const vm = await CellVm.boot({ name: 'eevdf/1n2l2c1t', kernel: await testKernel(), topology: twoLlcs, durationMs: 1500 });
  const r = await vm.run([
    cgroup('spin', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() }),
    cgroup('yield', { cpuset: cpuset.llc(1), workers: 2, work: work.yieldHeavy() }),
    cgroup('mixed', { workers: 1, work: work.mixed() }),
  ], hold.fraction(1));
  assert.equal(r.scheduler, null);
  assert.equal(r.workers.length, 5);
  r.expect.noStall().ranOnlyOn([0, 1], 'spin').ranOnlyOn([2, 3], 'yield');
  for (const w of r.workers) {
    assert.ok(w.runNs > 0, `${w.cgroup}/${w.index} ran`);
    assert.ok(w.timeslices > 0, `${w.cgroup}/${w.index} has timeslices`);
  }
});

test('an scx-ktstr cell on 2 LLCs x 2 cores attaches the scheduler and makes progress', { skip: skipReason, timeout: 180_000 }, async () => {
  const vm = await CellVm.boot({ name: 'scx-ktstr/1n2l2c1t', kernel: await testKernel(), topology: twoLlcs, scheduler: SCX_KTSTR, durationMs: 1500 });
  const r = await vm.run([
    cgroup('bursty', { cpuset: cpuset.llc(0), workers: 2, work: work.bursty({ burstUs: 300, sleepUs: 300 }) }),
    cgroup('pipes', { cpuset: cpuset.llc(1), workers: 2, work: work.pipeIo() }),
    cgroup('futex', { workers: 2, work: work.futexPingPong() }),
  ], hold.fraction(1));
  assert.equal(r.scheduler, 'ktstr');
  r.expect.noStall().ranOnlyOn([0, 1], 'bursty').ranOnlyOn([2, 3], 'pipes');
  assert.ok(r.metrics.totalIterations > 100, `iterations ${r.metrics.totalIterations}`);
});
