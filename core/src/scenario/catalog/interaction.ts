/** Interaction: cgroups and tasks of different weight, nice, class or behaviour competing. */
import { cgroup } from '../cgroup.js';
import { cpuset } from '../cpuset.js';
import { hold } from '../hold.js';
import { policy } from '../policy.js';
import { work } from '../work.js';
import { defineGroup, oneStep } from './define.js';

const all = hold.fraction(1);
// Competition only shows when the competitors share CPUs: these run on the first LLC.
const shared = cpuset.llc(0);

export const interactionScenarios = defineGroup('interaction', {
  weights: {
    description: 'cpu.weight 100 against 400 on shared CPUs',
    build: ({ workers = 2 }) => oneStep([
      cgroup('light', { cpuset: shared, weight: 100, workers, work: work.spinWait() }),
      cgroup('heavy', { cpuset: shared, weight: 400, workers, work: work.spinWait() }),
    ], all),
  },
  nice: {
    description: 'nice 0 against nice 10 spinners on shared CPUs',
    build: ({ workers = 2 }) => oneStep([
      cgroup('nice0', { cpuset: shared, workers, work: work.spinWait() }),
      cgroup('nice10', { cpuset: shared, nice: 10, workers, work: work.spinWait() }),
    ], all),
  },
  batchVsNormal: {
    description: 'SCHED_BATCH spinners against SCHED_OTHER sleepers',
    build: ({ workers = 2 }) => oneStep([
      cgroup('batch', { cpuset: shared, policy: policy.batch(), workers, work: work.spinWait() }),
      cgroup('normal', { cpuset: shared, workers, work: work.bursty() }),
    ], all),
  },
  idleClass: {
    description: 'SCHED_IDLE spinners must yield to normal spinners',
    build: ({ workers = 2 }) => oneStep([
      cgroup('idle', { cpuset: shared, policy: policy.idle(), workers, work: work.spinWait() }),
      cgroup('normal', { cpuset: shared, workers, work: work.spinWait() }),
    ], all),
  },
  rtStarvation: {
    description: 'a SCHED_FIFO spinner next to normal tasks it can starve',
    build: ({ workers = 3 }) => oneStep([cgroup('rt', { workers, work: work.rtStarvation({ rtWorkers: 1 }) })], all),
  },
  preemptStorm: {
    description: 'a FIFO task waking every millisecond to preempt normal spinners',
    build: ({ workers = 3 }) => oneStep([cgroup('storm', { workers, work: work.preemptStorm() })], all),
  },
  priorityInversion: {
    description: 'low, middle and high tiers around one PI futex',
    build: ({ workers = 3 }) => oneStep([cgroup('tiers', { workers, work: work.priorityInversion() })], all),
  },
  asymmetricWaker: {
    description: 'SCHED_OTHER wakers and SCHED_BATCH wakees sharing futex words',
    build: ({ workers = 4 }) => oneStep([cgroup('pairs', { workers, work: work.asymmetricWaker() })], all),
  },
  cpuVsIo: {
    description: 'spinners sharing CPUs with synchronous writers',
    build: ({ workers = 2 }) => oneStep([
      cgroup('cpu', { cpuset: shared, workers, work: work.spinWait() }),
      cgroup('io', { cpuset: shared, workers, work: work.ioSyncWrite({ blocks: 4 }) }),
    ], all),
  },
});
