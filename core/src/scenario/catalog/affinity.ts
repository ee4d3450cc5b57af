/** Affinity: workers whose sched_setaffinity masks differ from their cgroup's cpuset. */
import { affinity } from '../affinity.js';
import { cgroup } from '../cgroup.js';
import { cpuset } from '../cpuset.js';
import { hold } from '../hold.js';
import { work } from '../work.js';
import { defineGroup, oneStep } from './define.js';

const all = hold.fraction(1);

export const affinityScenarios = defineGroup('affinity', {
  singleCpu: {
    description: 'every worker pinned to its own CPU, round robin',
    build: ({ workers = 4 }) => oneStep([cgroup('pinned', { workers, work: work.spinWait(), affinity: affinity.singleCpu() })], all),
  },
  randomSubset: {
    description: 'every worker allowed a random two CPUs (seeded)',
    build: ({ workers = 4 }) => oneStep([cgroup('random', { workers, work: work.mixed(), affinity: affinity.randomSubset(2) })], all),
  },
  llcAligned: {
    description: 'workers pinned to whole LLCs, round robin',
    requires: { minLlcs: 2 },
    build: ({ workers = 4 }) => oneStep([cgroup('llcs', { workers, work: work.pipeIo(), affinity: affinity.llcAligned() })], all),
  },
  crossCgroup: {
    description: "one cgroup's workers ask for another cgroup's CPUs",
    requires: { minLlcs: 2 },
    build: ({ workers = 2 }) => oneStep([
      cgroup('home', { cpuset: cpuset.llc(0), workers, work: work.spinWait() }),
      cgroup('guest', { cpuset: cpuset.llc(1), workers, work: work.spinWait(), affinity: affinity.crossCgroup('home') }),
    ], all),
  },
  exact: {
    description: 'every worker allowed exactly CPUs 0 and 1',
    build: ({ workers = 4 }) => oneStep([cgroup('two', { workers, work: work.spinWait(), affinity: affinity.exact(cpuset.exact([0, 1])) })], all),
  },
  churn: {
    description: 'workers re-pinning themselves to the next CPU every iteration',
    build: ({ workers = 2 }) => oneStep([cgroup('churn', { workers, work: work.affinityChurn() })], all),
  },
  numaChurn: {
    description: 'workers re-pinning themselves to the next NUMA node every iteration',
    requires: { minNumaNodes: 2 },
    build: ({ workers = 2 }) => oneStep([cgroup('numa', { workers, work: work.numaMigrationChurn() })], all),
  },
  smtSiblings: {
    description: 'pairs spinning on the two SMT siblings of one core',
    requires: { smt: true },
    build: ({ workers = 4 }) => oneStep([cgroup('siblings', { workers, work: work.smtSiblingSpin() })], all),
  },
});
