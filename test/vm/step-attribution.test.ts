// Per-step CPU attribution in a real guest: every op kind that changes where workers may run
// (swap, set and clear a cpuset, set affinity, stop, spawn, move) confines them, step after
// step, to a set disjoint from the one before; each step must report exactly its own CPUs,
// never the previous or the next step's. Under EEVDF and under the fixture sched_ext
// scheduler, twice each, since a boundary race shows up only sometimes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellVm, SCX_KTSTR, cgroup, cpuset, hold, op, scenario, step, work, type CellResult, type SchedulerDecl } from '@ktstr/core';
import { skipReason, testKernel } from './cell-env.js';

// tiny-2llc: LLC 0 is CPUs 0,1; LLC 1 is CPUs 2,3.
const tiny2llc = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const HOLD_MS = 400;
const REPETITIONS = 2;

const confinements = scenario({
  name: 'step-attribution',
  cgroups: [
    cgroup('a', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() }),
    // Threads of one process, so that the ops reach every thread and not only the process.
    cgroup('b', { cpuset: cpuset.llc(1), workers: 2, work: work.spinWait(), clone: 'thread' }),
    // A destination for op.move with a cpuset of its own.
    cgroup('m', { cpuset: cpuset.exact([0]) }),
  ],
  steps: [
    step('start', [op.add('a'), op.add('b'), op.add('m')], hold.fixed(HOLD_MS)),
    step('swap', [op.swapCpuset('a', 'b')], hold.fixed(HOLD_MS)),
    step('set', [op.setCpuset('a', cpuset.exact([0])), op.setCpuset('b', cpuset.exact([3]))], hold.fixed(HOLD_MS)),
    // Affinity to CPU 2 is possible only once a's cpuset no longer is CPU 0 alone: the op would
    // fail (EINVAL) and end the run if the clear had not taken effect.
    step('clear-affinity', [op.clearCpuset('a'), op.setAffinity('a', cpuset.exact([2]))], hold.fixed(HOLD_MS)),
    step('stop-spawn', [op.stop('b', 'all'), op.setCpuset('b', cpuset.exact([1])), op.spawn('b', 2)], hold.fixed(HOLD_MS)),
    // Affinity back to every CPU, so that the move's cpuset alone decides.
    step('move', [op.setAffinity('a', 'all'), op.move('a', 'm')], hold.fixed(HOLD_MS)),
  ],
});

/** Each step's allowed CPUs per cgroup; consecutive steps of a cgroup never share a CPU. */
const allowed: Record<string, Record<string, number[]>> = {
  start: { a: [0, 1], b: [2, 3] },
  swap: { a: [2, 3], b: [0, 1] },
  set: { a: [0], b: [3] },
  'clear-affinity': { a: [2], b: [3] },
  'stop-spawn': { a: [2], b: [1] },
  move: { a: [0], b: [1] },
};

function checkSteps(r: CellResult): void {
  assert.equal(r.schedulerExit, null, r.schedulerExit?.reason);
  assert.deepEqual(r.steps.map((s) => s.name), Object.keys(allowed));
  const failedOps = r.timeline.filter((e) => e.ok === false);
  assert.deepEqual(failedOps, [], 'every op applied');
  // Every step and cgroup is checked before anything fails, so a failure lists each boundary
  // that went wrong rather than only the first.
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => { if (!ok) problems.push(what); };
  for (const s of r.steps) {
    for (const [cg, cpus] of Object.entries(allowed[s.name]!)) {
      // The assertion under test, then the numbers behind it, worker by worker.
      try {
        r.expect.inStep(s.name).inCgroup(cg).noStall().ranOnlyOn(cpus);
      } catch (e) {
        problems.push((e as Error).message);
      }
      const ws = s.workers.filter((w) => w.cgroup === cg);
      check(ws.length === 2, `step ${s.name}: ${ws.length} workers of ${cg}, want 2`);
      for (const w of ws) {
        const label = `step ${s.name}: ${cg}/${w.index} ran on ${w.cpus.join(',') || 'nothing'}, allowed ${cpus.join(',')}`;
        check(w.cpusFromWholeRun === undefined, `${label} (whole-run CPUs)`);
        // It ran in the step, and only where allowed: on a single allowed CPU, exactly there.
        check(w.cpus.length > 0 && w.cpus.every((c) => cpus.includes(c)), label);
      }
    }
  }
  assert.deepEqual(problems, []);
  // stop and spawn: b's first two workers end with `stop-spawn`, two new ones start in it.
  const stopSpawn = r.steps.find((s) => s.name === 'stop-spawn')!;
  assert.deepEqual(stopSpawn.workers.filter((w) => w.cgroup === 'b').map((w) => w.index), [2, 3]);
  const b = r.cgroups.b!.workers.map((w) => `${w.index}:${w.batch}:${w.startedStep}:${w.stoppedStep}`);
  assert.deepEqual(b, ['0:0:0:4', '1:0:0:4', '2:1:4:null', '3:1:4:null']);
  // The whole run is not any one step: a's workers were seen on both LLCs over the run, so the
  // unscoped form fails where every scoped one above passed.
  for (const w of r.cgroups.a!.workers) assert.ok(w.cpus.includes(0) && w.cpus.includes(2), `a/${w.index} whole run ${w.cpus.join(',')}`);
  assert.throws(() => r.expect.inCgroup('a').ranOnlyOn([0, 1]), /ran on CPUs 2(,3)? outside 0,1/);
}

const schedulers: [string, SchedulerDecl | undefined][] = [['eevdf', undefined], ['scx-ktstr', SCX_KTSTR]];
for (const [label, scheduler] of schedulers) {
  for (let rep = 1; rep <= REPETITIONS; rep++) {
    test(`${label}: each step reports only the CPUs its ops allow (run ${rep}/${REPETITIONS})`, { skip: skipReason, timeout: 240_000 }, async () => {
      const vm = await CellVm.boot({
        name: `step-attribution/${label}/${rep}`, kernel: await testKernel(), topology: tiny2llc, durationMs: HOLD_MS * confinements.steps.length,
        ...(scheduler ? { scheduler } : {}),
      });
      checkSteps(await vm.runScenario(confinements));
    });
  }
}
