// Every one of the 38 work types runs in a real guest under the fixture sched_ext scheduler and
// makes progress; the types that exist to create a pressure show it in the metrics. Several
// cgroups (one per type) share a cell to keep the VM count low; RT types get their own cell.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  CellVm, SCX_KTSTR, WORK_TYPES, cgroup, cpuset, hold, work, type CellResult, type CgroupDef, type Topology, type WorkType,
} from '@ktstr/core';
import { skipReason, testKernel } from './cell-env.js';

const twoLlcs: Topology = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const twoNodes: Topology = { numaNodes: 2, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const covered = new Set<WorkType>();

async function runCell(name: string, topology: Topology, cgroups: CgroupDef[], ms = 2000): Promise<CellResult> {
  for (const c of cgroups) covered.add(c.work!.type);
  const vm = await CellVm.boot({ name: `work-types-${name}/scx-ktstr`, kernel: await testKernel(), topology, scheduler: SCX_KTSTR, durationMs: ms });
  return vm.run(cgroups, hold.fraction(1));
}

/** One subtest per cgroup: it ran, every worker iterated, plus the type's own pressure check. */
async function eachCgroup(t: TestContext, r: CellResult, checks: Record<string, (r: CellResult) => void> = {}): Promise<void> {
  assert.equal(r.schedulerExit, null, r.schedulerExit?.reason);
  for (const name of Object.keys(r.cgroups).sort()) {
    await t.test(name, () => {
      r.expect.inCgroup(name).noStall();
      checks[name]?.(r);
    });
  }
}

const sum = (r: CellResult, cg: string, k: 'nvcsw' | 'minflt' | 'migrations' | 'iterations') => r.cgroups[cg]!.workers.reduce((s, w) => s + w[k], 0);

test('CPU-bound work types', { skip: skipReason, timeout: 240_000 }, async (t) => {
  const r = await runCell('cpu', twoLlcs, [
    cgroup('spin_wait', { workers: 2, work: work.spinWait() }),
    cgroup('yield_heavy', { workers: 2, work: work.yieldHeavy() }),
    cgroup('mixed', { workers: 2, work: work.mixed() }),
    cgroup('alu_hot', { workers: 2, work: work.aluHot() }),
    cgroup('smt_sibling_spin', { workers: 2, work: work.smtSiblingSpin() }),
    cgroup('ipc_variance', { workers: 2, work: work.ipcVariance({ workingSetKb: 256 }) }),
    cgroup('cache_pressure', { workers: 2, work: work.cachePressure() }),
    cgroup('cache_yield', { workers: 2, work: work.cacheYield() }),
  ]);
  await eachCgroup(t, r);
});

test('wakeup work types', { skip: skipReason, timeout: 240_000 }, async (t) => {
  const r = await runCell('wakeups', twoLlcs, [
    cgroup('bursty', { workers: 2, work: work.bursty({ burstUs: 200, sleepUs: 500 }) }),
    cgroup('idle_churn', { workers: 2, work: work.idleChurn() }),
    cgroup('pipe_io', { workers: 2, work: work.pipeIo() }),
    cgroup('futex_ping_pong', { workers: 2, work: work.futexPingPong() }),
    cgroup('futex_fan_out', { workers: 3, work: work.futexFanOut({ fanOut: 2 }) }),
    cgroup('cache_pipe', { workers: 2, work: work.cachePipe() }),
    cgroup('fan_out_compute', { workers: 3, work: work.fanOutCompute({ fanOut: 2, matrixN: 8 }) }),
    cgroup('asymmetric_waker', { workers: 2, work: work.asymmetricWaker() }),
    cgroup('wake_chain', { workers: 3, work: work.wakeChain() }),
    cgroup('epoll_storm', { workers: 3, work: work.epollStorm() }),
    cgroup('thundering_herd', { workers: 3, work: work.thunderingHerd() }),
    cgroup('signal_storm', { workers: 2, work: work.signalStorm() }),
    cgroup('producer_consumer_imbalance', { workers: 2, work: work.producerConsumerImbalance() }),
  ]);
  // Blocking work sleeps and is woken: voluntary switches, and a wake latency where measured.
  const blocks = (name: string, withLatency: boolean) => (res: CellResult) => {
    res.expect.inCgroup(name).voluntarySwitchesAtLeast(10);
    if (withLatency) assert.notEqual(res.cgroups[name]!.metrics.p99WakeLatencyUs, null, `${name} measured no wake latency`);
  };
  await eachCgroup(t, r, {
    bursty: blocks('bursty', true),
    idle_churn: blocks('idle_churn', false),
    pipe_io: blocks('pipe_io', true),
    futex_ping_pong: blocks('futex_ping_pong', true),
    futex_fan_out: blocks('futex_fan_out', false),
    wake_chain: blocks('wake_chain', true),
    thundering_herd: blocks('thundering_herd', true),
  });
});

test('I/O, churn and memory work types', { skip: skipReason, timeout: 240_000 }, async (t) => {
  const r = await runCell('churn', twoNodes, [
    cgroup('io_sync_write', { workers: 1, work: work.ioSyncWrite({ blocks: 4 }) }),
    cgroup('io_rand_read', { workers: 1, work: work.ioRandRead({ fileKb: 1024 }) }),
    cgroup('io_convoy', { workers: 1, work: work.ioConvoy({ fileKb: 1024 }) }),
    cgroup('sequence', { workers: 1, work: work.sequence({ spinUs: 200, sleepUs: 200, io: 1 }) }),
    cgroup('fork_exit', { workers: 1, work: work.forkExit() }),
    cgroup('nice_sweep', { workers: 1, work: work.niceSweep() }),
    cgroup('affinity_churn', { workers: 2, work: work.affinityChurn() }),
    cgroup('numa_migration_churn', { workers: 1, work: work.numaMigrationChurn() }),
    cgroup('cgroup_churn', { workers: 1, work: work.cgroupChurn() }),
    cgroup('page_fault_churn', { workers: 1, work: work.pageFaultChurn({ regionKb: 256 }) }),
    cgroup('numa_working_set_sweep', { workers: 1, work: work.numaWorkingSetSweep({ workingSetKb: 256 }) }),
    cgroup('mutex_contention', { workers: 3, work: work.mutexContention() }),
    cgroup('custom', { workers: 1, work: work.custom({ command: 'echo hi > /dev/null' }) }),
  ]);
  await eachCgroup(t, r, {
    // Re-pinning itself to another CPU (node) every iteration is a migration every iteration.
    affinity_churn: (res) => res.expect.inCgroup('affinity_churn').migrationsAtLeast(Math.min(50, sum(res, 'affinity_churn', 'iterations') / 2)),
    numa_migration_churn: (res) => res.expect.inCgroup('numa_migration_churn').migrationsAtLeast(Math.min(20, sum(res, 'numa_migration_churn', 'iterations') / 2)),
    // 256 KiB touched per iteration is 64 fresh pages each time.
    page_fault_churn: (res) => res.expect.inCgroup('page_fault_churn').minorFaultsAtLeast(sum(res, 'page_fault_churn', 'iterations') * 32),
    mutex_contention: (res) => res.expect.inCgroup('mutex_contention').voluntarySwitchesAtLeast(10),
  });
});

test('real-time work types starve and preempt the normal tasks around them', { skip: skipReason, timeout: 240_000 }, async (t) => {
  // rt_starvation on two CPUs with two FIFO spinners: its one normal worker (index 2) only runs
  // when RT throttling or the fair server lets it.
  const r = await runCell('rt', twoLlcs, [
    cgroup('rt_starvation', { cpuset: cpuset.llc(0), workers: 3, work: work.rtStarvation({ rtWorkers: 2 }) }),
    cgroup('preempt_storm', { cpuset: cpuset.llc(1), workers: 3, work: work.preemptStorm() }),
    cgroup('priority_inversion', { cpuset: cpuset.llc(1), workers: 3, work: work.priorityInversion() }),
    cgroup('policy_churn', { cpuset: cpuset.llc(1), workers: 1, work: work.policyChurn() }),
  ], 3000);
  await eachCgroup(t, r, {
    rt_starvation: (res) => {
      const normal = res.cgroups.rt_starvation!.workers.find((w) => w.index === 2)!;
      const rt = res.cgroups.rt_starvation!.workers.filter((w) => w.index < 2);
      assert.ok(normal.maxGapUs > 20_000, `the normal worker's longest gap is ${normal.maxGapUs} us; starvation should exceed 20 ms`);
      assert.ok(normal.runNs < Math.min(...rt.map((w) => w.runNs)), 'the normal worker got less CPU than the FIFO spinners');
    },
    preempt_storm: (res) => {
      const spinners = res.cgroups.preempt_storm!.workers.filter((w) => w.index > 0);
      assert.ok(spinners.reduce((s, w) => s + w.nivcsw, 0) > 10, 'the FIFO waker preempts the spinners (involuntary switches)');
    },
  });
});

test('the cells above cover all 38 work types', { skip: skipReason }, () => {
  assert.deepEqual(WORK_TYPES.filter((w) => !covered.has(w)), []);
});
