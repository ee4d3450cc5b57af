// The project's fixture sched_ext scheduler, declared like any other scheduler, on its default
// topology (1 node, 2 LLCs, 2 cores each). Swap `binary` for your own scheduler (e.g. scx_simple).
// Gauntlet-ready: the cgroups sit on LLC 0 and LLC 1, so the test gates on minLlcs: 2, and the
// placement checks name LLCs, not CPU numbers, so they hold on every shape the gate admits.
import { declareScheduler, ktstrTest, cgroup, cpuset, hold, work, fixtureDir } from '@ktstr/core';
import { join } from 'node:path';

export const KTSTR_FIXTURE = declareScheduler({
  name: 'scx-ktstr',
  binary: join(fixtureDir(), 'scx-ktstr'),
  topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 },
  schedArgs: ['-v'],
  // What "good enough" means for this scheduler, checked by r.expect.withinThresholds(): no
  // worker waits a second between iterations, CPU time within a cgroup within 50 %. Generous,
  // because cells here may run under emulation on a busy host; `ktstr show-thresholds` lists them.
  thresholds: { gapMs: 1000, spread: 0.5 },
});

ktstrTest('disjoint cpusets make progress under scx-ktstr', { scheduler: KTSTR_FIXTURE, durationMs: 2000, minLlcs: 2 },
  async (vm) => {
    const r = await vm.run([
      cgroup('a', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() }),
      cgroup('b', { cpuset: cpuset.llc(1), workers: 2, work: work.futexPingPong({ burstUs: 100 }) }),
    ], hold.fraction(1));
    r.expect.noStall().withinThresholds().ranOnlyOn(cpuset.llc(0), 'a').ranOnlyOnItsCpuset('b');
    console.log(`${r.scheduler}: ${r.metrics.totalIterations} iterations, p99 wake ${r.metrics.p99WakeLatencyUs ?? '-'} us`);
  });
