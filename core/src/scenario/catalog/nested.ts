/** Nested: cgroup hierarchies: weights and cpusets inherited through parents. */
import { cgroup } from '../cgroup.js';
import { cpuset } from '../cpuset.js';
import { hold } from '../hold.js';
import { op } from '../ops.js';
import { step } from '../scenario.js';
import { work } from '../work.js';
import { defineGroup, oneStep } from './define.js';

const all = hold.fraction(1);

export const nestedScenarios = defineGroup('nested', {
  twoLevel: {
    description: 'two leaf cgroups under one parent',
    build: ({ workers = 2 }) => oneStep([
      cgroup('parent'),
      cgroup('parent/a', { workers, work: work.spinWait() }),
      cgroup('parent/b', { workers, work: work.bursty() }),
    ], all),
  },
  deep: {
    description: 'workers four levels deep next to a shallow sibling',
    build: ({ workers = 2 }) => oneStep([
      cgroup('l1/l2/l3/leaf', { workers, work: work.spinWait() }),
      cgroup('shallow', { workers, work: work.spinWait() }),
    ], all),
  },
  parentCpuset: {
    description: "children inherit their parent's half of the machine",
    build: ({ workers = 2 }) => oneStep([
      cgroup('half', { cpuset: cpuset.disjoint(0, 2) }),
      cgroup('half/a', { workers, work: work.spinWait() }),
      cgroup('half/b', { workers, work: work.pipeIo() }),
    ], all),
  },
  siblingWeights: {
    description: 'sibling cgroups of weight 100 and 400 under one parent',
    build: ({ workers = 2 }) => oneStep([
      cgroup('parent', { cpuset: cpuset.llc(0) }),
      cgroup('parent/lo', { weight: 100, workers, work: work.spinWait() }),
      cgroup('parent/hi', { weight: 400, workers, work: work.spinWait() }),
    ], all),
  },
  moveSiblings: {
    description: 'workers moved from one leaf to its sibling',
    build: ({ workers = 2 }) => ({
      cgroups: [cgroup('p/a', { workers, work: work.spinWait() }), cgroup('p/b', { workers, work: work.spinWait() })],
      steps: [
        step('apart', [op.add('p/a'), op.add('p/b')], hold.fraction(0.5)),
        step('together', [op.move('p/a', 'p/b')], hold.fraction(0.5)),
      ],
    }),
  },
  removeSubtree: {
    description: 'a whole subtree removed while a sibling keeps running',
    build: ({ workers = 2 }) => ({
      cgroups: [cgroup('tree'), cgroup('tree/a', { workers, work: work.spinWait() }), cgroup('keep', { workers, work: work.spinWait() })],
      steps: [
        step('both', [op.add('tree'), op.add('tree/a'), op.add('keep')], hold.fraction(0.5)),
        step('pruned', [op.remove('tree')], hold.fraction(0.5)),
      ],
    }),
  },
  threads: {
    description: 'nested leaves whose workers are threads of one named process',
    build: ({ workers = 3 }) => oneStep([
      cgroup('app/render', { workers, work: work.mixed(), pcomm: 'browser', comm: 'Renderer' }),
      cgroup('app/io', { workers, work: work.bursty(), pcomm: 'browser', comm: 'IOThread' }),
    ], all),
  },
});
