/** Dynamic: cgroups, cpusets and workers change while the load runs: does the scheduler follow. */
import { cgroup } from '../cgroup.js';
import { cpuset } from '../cpuset.js';
import { hold } from '../hold.js';
import { op } from '../ops.js';
import { step } from '../scenario.js';
import { work } from '../work.js';
import { defineGroup } from './define.js';

const third = hold.fraction(1 / 3);

export const dynamicScenarios = defineGroup('dynamic', {
  shuffle: {
    description: 'disjoint cpusets, then swapped, then cleared',
    build: ({ workers = 2 }) => ({
      cgroups: [
        cgroup('a', { cpuset: cpuset.disjoint(0, 2), workers, work: work.spinWait() }),
        cgroup('b', { cpuset: cpuset.disjoint(1, 2), workers, work: work.pipeIo() }),
      ],
      steps: [
        step('warmup', [op.add('a'), op.add('b')], third),
        step('swap', [op.swapCpuset('a', 'b')], third),
        step('clear', [op.clearCpuset('a'), op.clearCpuset('b')], third),
      ],
    }),
  },
  growShrink: {
    description: "a cgroup's cpuset grows from a quarter to the whole machine and shrinks back",
    build: ({ workers = 4 }) => ({
      cgroups: [cgroup('a', { cpuset: cpuset.range(0, 0.25), workers, work: work.spinWait() })],
      steps: [
        step('small', [op.add('a')], third),
        step('grow', [op.setCpuset('a', cpuset.range(0, 1))], third),
        step('shrink', [op.setCpuset('a', cpuset.range(0, 0.25))], third),
      ],
    }),
  },
  spawnStop: {
    description: 'workers added in a second batch, then most of them stopped',
    build: ({ workers = 2 }) => ({
      cgroups: [cgroup('a', { workers, work: work.spinWait() })],
      steps: [
        step('start', [op.add('a')], third),
        step('spawn', [op.spawn('a', workers * 2)], third),
        step('stop', [op.stop('a', workers * 2)], third),
      ],
    }),
  },
  addRemove: {
    description: 'a second cgroup arrives, then the first leaves',
    build: ({ workers = 2 }) => ({
      cgroups: [cgroup('a', { workers, work: work.spinWait() }), cgroup('b', { workers, work: work.bursty() })],
      steps: [
        step('a-only', [op.add('a')], third),
        step('both', [op.add('b')], third),
        step('b-only', [op.remove('a')], third),
      ],
    }),
  },
  swapLoop: {
    description: 'two cgroups swap cpusets every 100 ms',
    build: ({ workers = 2 }) => ({
      cgroups: [
        cgroup('a', { cpuset: cpuset.disjoint(0, 2), workers, work: work.spinWait() }),
        cgroup('b', { cpuset: cpuset.disjoint(1, 2), workers, work: work.spinWait() }),
      ],
      steps: [
        step('start', [op.add('a'), op.add('b')], hold.fraction(0.25)),
        step('churn', [op.swapCpuset('a', 'b')], hold.looped(hold.fraction(0.75), 100)),
      ],
    }),
  },
  move: {
    description: "one cgroup's workers move into another cgroup",
    build: ({ workers = 2 }) => ({
      cgroups: [
        cgroup('src', { cpuset: cpuset.disjoint(0, 2), workers, work: work.spinWait() }),
        cgroup('dst', { cpuset: cpuset.disjoint(1, 2), workers, work: work.spinWait() }),
      ],
      steps: [
        step('apart', [op.add('src'), op.add('dst')], hold.fraction(0.5)),
        step('moved', [op.move('src', 'dst')], hold.fraction(0.5)),
      ],
    }),
  },
  affinityFlip: {
    description: "workers' affinity narrowed to the first half, then widened to every CPU",
    build: ({ workers = 2 }) => ({
      cgroups: [cgroup('a', { workers, work: work.spinWait() })],
      steps: [
        step('free', [op.add('a')], third),
        step('narrow', [op.setAffinity('a', cpuset.range(0, 0.5))], third),
        step('wide', [op.setAffinity('a', 'all')], third),
      ],
    }),
  },
  pinRelease: {
    description: 'a cgroup pinned to CPU 0, then its cpuset cleared',
    build: ({ workers = 2 }) => ({
      cgroups: [cgroup('a', { workers, work: work.mixed() })],
      steps: [
        step('pinned', [op.add('a'), op.setCpuset('a', cpuset.exact([0]))], hold.fraction(0.5)),
        step('released', [op.clearCpuset('a')], hold.fraction(0.5)),
      ],
    }),
  },
  waves: {
    description: 'batches of sleepers arrive in three waves and leave together',
    build: ({ workers = 2 }) => ({
      cgroups: [cgroup('a', { workers, work: work.bursty({ burstUs: 200, sleepUs: 300 }) })],
      steps: [
        step('wave1', [op.add('a')], hold.fraction(0.25)),
        step('wave2', [op.spawn('a')], hold.fraction(0.25)),
        step('wave3', [op.spawn('a')], hold.fraction(0.25)),
        step('ebb', [op.stop('a', 'all')], hold.fraction(0.25)),
      ],
    }),
  },
});
