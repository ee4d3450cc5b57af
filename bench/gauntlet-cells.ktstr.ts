// The fixed 6-cell gauntlet bench/gauntlet.ts runs: two tests, each admitted by its gates to
// exactly three small presets (tiny-1llc, tiny-2llc, smt-2llc).
import { ktstrTest, cgroup, hold, work } from '@ktstr/core';

const gates = { maxCpus: 8, maxLlcs: 2, durationMs: 1000 };

ktstrTest('bench spinners', gates, async (vm) => {
  (await vm.run([cgroup('spin', { workers: 2, work: work.spinWait() })], hold.fraction(1))).expect.noStall();
});

ktstrTest('bench pipes', gates, async (vm) => {
  (await vm.run([cgroup('pipes', { workers: 2, work: work.pipeIo({ burstUs: 200 }) })], hold.fraction(1))).expect.noStall();
});
