// The kernel's default scheduler (EEVDF) as a baseline: two cgroups pinned to one LLC each,
// one spinning, one exchanging bytes over pipes. No `scheduler` option = EEVDF. Pinned to one
// shape, but its checks still name the cpusets rather than CPU numbers: moving it to another
// shape (or dropping the pin for minLlcs: 2) needs no other change.
import { ktstrTest, cgroup, cpuset, hold, work } from '@ktstr/core';

ktstrTest('eevdf keeps pinned cgroups on their LLC', { topology: { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 }, durationMs: 2000 },
  async (vm) => {
    const r = await vm.run([
      cgroup('spin', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() }),
      cgroup('pipes', { cpuset: cpuset.llc(1), workers: 2, work: work.pipeIo({ burstUs: 200 }) }),
    ], hold.fraction(1));
    r.expect.noStall().ranOnlyOnItsCpuset();
    // Fairness is asked of the spinners, two on two CPUs: each should get about all of one. The
    // pipe pair's CPU times are not a fairness measure (who waits for whom decides them), and
    // under TCG they split anywhere from 50/50 to 30/70 with nothing wrong.
    r.expect.inCgroup('spin').spreadBelow(0.25);
    console.log(`eevdf: ${r.metrics.totalIterations} iterations, worst gap ${r.metrics.worstGapMs.toFixed(1)} ms, boot ${(r.bootMs / 1000).toFixed(1)} s`);
  });
