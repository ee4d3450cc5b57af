// The cells the fault soak runs (test/soak/, docs/soak.md): the fixture scheduler's cell from
// examples/, on the same shape as the examples (one snapshot key for every cell), with the
// scheduler binary taken from KTSTR_SOAK_SCHEDULER so the soak can delete it after planning.
// The name keeps it out of the normal suite. The monitor is off: its first run of a kernel
// boots a VM of its own to capture symbols, which a soak in a private cache would pay again.
import { declareScheduler, ktstrTest, cgroup, cpuset, hold, work, fixtureDir } from '@ktstr/core';
import { join } from 'node:path';
import { closeChannelLater } from '../faults/channel-hook.js';

const topology = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const durationMs = Number(process.env.KTSTR_SOAK_HOLD_MS ?? 1500);

const SOAK_FIXTURE = declareScheduler({
  name: 'scx-ktstr',
  binary: process.env.KTSTR_SOAK_SCHEDULER ?? join(fixtureDir(), 'scx-ktstr'),
  topology,
  // The agent-kill fault runs its killer as the scheduler, with the delay as its argument.
  schedArgs: process.env.KTSTR_SOAK_SCHEDULER_ARGS?.split(' ') ?? ['-v'],
});

// Three holds long: the cell every fault aims at, so a random point in it is easy to hit.
ktstrTest('soak scx-ktstr', { scheduler: SOAK_FIXTURE, durationMs: 3 * durationMs, monitor: false }, async (vm) => {
  closeChannelLater(await vm.boot());
  const r = await vm.run([
    cgroup('a', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() }),
    cgroup('b', { cpuset: cpuset.llc(1), workers: 2, work: work.futexPingPong({ burstUs: 100 }) }),
  ], hold.fraction(1));
  r.expect.noStall().ranOnlyOn(cpuset.llc(0), 'a').ranOnlyOnItsCpuset('b');
});

ktstrTest('soak eevdf', { topology, durationMs, monitor: false }, async (vm) => {
  closeChannelLater(await vm.boot());
  const r = await vm.run([
    cgroup('spin', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() }),
    cgroup('pipes', { cpuset: cpuset.llc(1), workers: 2, work: work.pipeIo({ burstUs: 200 }) }),
  ], hold.fraction(1));
  r.expect.noStall().ranOnlyOnItsCpuset();
});
