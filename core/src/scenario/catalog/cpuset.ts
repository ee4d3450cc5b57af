/** Cpuset: cgroups confined to parts of the machine: does the scheduler respect and fill them. */
import { cgroup } from '../cgroup.js';
import { cpuset } from '../cpuset.js';
import { hold } from '../hold.js';
import { work } from '../work.js';
import { defineGroup, oneStep } from './define.js';

const all = hold.fraction(1);

export const cpusetScenarios = defineGroup('cpuset', {
  disjoint: {
    description: 'two cgroups of spinners on disjoint halves of the machine',
    build: ({ workers = 2 }) => oneStep([
      cgroup('a', { cpuset: cpuset.disjoint(0, 2), workers, work: work.spinWait() }),
      cgroup('b', { cpuset: cpuset.disjoint(1, 2), workers, work: work.spinWait() }),
    ], all),
  },
  overlapping: {
    description: 'two cgroups whose cpusets share CPUs',
    build: ({ workers = 2 }) => oneStep([
      cgroup('a', { cpuset: cpuset.overlapping(0, 2, 0.5), workers, work: work.spinWait() }),
      cgroup('b', { cpuset: cpuset.overlapping(1, 2, 0.5), workers, work: work.spinWait() }),
    ], all),
  },
  llcPinned: {
    description: 'one cgroup per LLC, spinners in one and pipe pairs in the other',
    requires: { minLlcs: 2 },
    build: ({ workers = 2 }) => oneStep([
      cgroup('llc0', { cpuset: cpuset.llc(0), workers, work: work.spinWait() }),
      cgroup('llc1', { cpuset: cpuset.llc(1), workers, work: work.pipeIo() }),
    ], all),
  },
  singleLlc: {
    description: 'every worker confined to LLC 0 while the rest of the machine idles',
    build: ({ workers = 4 }) => oneStep([cgroup('llc0', { cpuset: cpuset.llc(0), workers, work: work.mixed() })], all),
  },
  rangeHalf: {
    description: 'an oversubscribed cgroup on the first half of the CPUs',
    build: ({ workers = 6 }) => oneStep([cgroup('half', { cpuset: cpuset.range(0, 0.5), workers, work: work.spinWait() })], all),
  },
  exactCpu0: {
    description: 'several spinners sharing CPU 0 alone',
    build: ({ workers = 3 }) => oneStep([cgroup('cpu0', { cpuset: cpuset.exact([0]), workers, work: work.spinWait() })], all),
  },
  nodePinned: {
    description: 'spinners confined to NUMA node 0',
    build: ({ workers = 2 }) => oneStep([cgroup('node0', { cpuset: cpuset.node(0), workers, work: work.spinWait() })], all),
  },
  uneven: {
    description: 'a crowded quarter of the machine next to a sparse three quarters',
    build: ({ workers = 2 }) => oneStep([
      cgroup('crowded', { cpuset: cpuset.range(0, 0.25), workers: workers * 2, work: work.spinWait() }),
      cgroup('sparse', { cpuset: cpuset.range(0.25, 1), workers, work: work.bursty() }),
    ], all),
  },
});
