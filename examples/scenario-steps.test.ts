// A scenario of steps: cgroups on disjoint halves, their cpusets swapped every 100 ms, then one
// side stopped; assertions per step and per cgroup. Also one canned scenario from the catalog.
import { ktstrTest, SCX_KTSTR, scenario, scenarios, step, cgroup, op, cpuset, hold, work } from '@ktstr/core';

const swapping = scenario({
  name: 'swapping',
  cgroups: [
    cgroup('a', { cpuset: cpuset.disjoint(0, 2), workers: 2, work: work.spinWait() }),
    cgroup('b', { cpuset: cpuset.disjoint(1, 2), workers: 2, work: work.pipeIo({ burstUs: 200 }) }),
  ],
  steps: [
    step('warmup', [op.add('a'), op.add('b')], hold.fraction(0.3)),
    step('swap', [op.swapCpuset('a', 'b')], hold.looped(hold.fraction(0.4), 100)),
    step('drain', [op.stop('a', 'all')], hold.fraction(0.3)),
  ],
});

ktstrTest('cpusets swapped under load keep every worker running', { scheduler: SCX_KTSTR, durationMs: 3000 }, async (vm) => {
  const r = await vm.runScenario(swapping);
  r.expect.noStall().inStep('swap').gapBelowMs(1000);
  r.expect.inStep('drain').inCgroup('b').noStall();
  // Each half of the machine, whatever its shape; in `swap` either half (it swaps every 100 ms).
  r.expect.ranOnlyOnItsCpuset().inStep('warmup').ranOnlyOn(cpuset.disjoint(0, 2), 'a');
  for (const s of r.steps) console.log(`${s.name}: ${s.metrics.totalIterations} iterations, imbalance ${s.metrics.maxImbalanceRatio.toFixed(2)}`);
});

ktstrTest('canned: nested/two-level', { scheduler: SCX_KTSTR, durationMs: 2000 }, async (vm) => {
  const r = await vm.runScenario(scenarios.nested.twoLevel());
  r.expect.noStall().inCgroup('parent/a').iterationsAtLeast(1);
});
