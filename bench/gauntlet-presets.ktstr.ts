// The 24-cell gauntlet of the fixture scheduler bench/gauntlet.ts times with and without
// post-attach snapshots and the spare keeper: six tests on scx-ktstr, each admitted by its gates
// to the four presets of at most 9 CPUs (tiny-1llc, tiny-2llc, smt-2llc, odd-3llc).
import { ktstrTest, cgroup, hold, work, SCX_KTSTR } from '@ktstr/core';

const gates = { scheduler: SCX_KTSTR, maxCpus: 9, durationMs: 1000 };

ktstrTest('fixture spinners', gates, async (vm) => {
  (await vm.run([cgroup('spin', { workers: 2, work: work.spinWait() })], hold.fraction(1))).expect.noStall();
});
ktstrTest('fixture pipes', gates, async (vm) => {
  (await vm.run([cgroup('pipes', { workers: 2, work: work.pipeIo({ burstUs: 200 }) })], hold.fraction(1))).expect.noStall();
});
ktstrTest('fixture yielders', gates, async (vm) => {
  (await vm.run([cgroup('yield', { workers: 2, work: work.yieldHeavy() })], hold.fraction(1))).expect.noStall();
});
ktstrTest('fixture mixed', gates, async (vm) => {
  (await vm.run([
    cgroup('spin', { workers: 1, work: work.spinWait() }),
    cgroup('pipes', { workers: 2, work: work.pipeIo({ burstUs: 100 }) }),
  ], hold.fraction(1))).expect.noStall();
});
ktstrTest('fixture many', gates, async (vm) => {
  (await vm.run([cgroup('many', { workers: 8, work: work.spinWait() })], hold.fraction(1))).expect.noStall();
});
ktstrTest('fixture futex', gates, async (vm) => {
  (await vm.run([cgroup('futex', { workers: 2, work: work.futexPingPong() })], hold.fraction(1))).expect.noStall();
});
