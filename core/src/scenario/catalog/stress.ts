/** Stress: loads that hammer one kernel path far beyond normal rates. */
import { cgroup } from '../cgroup.js';
import { hold } from '../hold.js';
import { work } from '../work.js';
import { defineGroup, oneStep } from './define.js';

const all = hold.fraction(1);

export const stressScenarios = defineGroup('stress', {
  oversubscribe: {
    description: 'many more spinners than CPUs on small machines',
    build: ({ workers = 16 }) => oneStep([cgroup('crowd', { workers, work: work.spinWait() })], all),
  },
  forkStorm: {
    description: 'many workers forking and reaping children as fast as they can',
    build: ({ workers = 4 }) => oneStep([cgroup('fork', { workers, work: work.forkExit() })], all),
  },
  pageFaults: {
    description: 'mmap, touch, MADV_DONTNEED and munmap in a loop: minor faults',
    build: ({ workers = 2 }) => oneStep([cgroup('faults', { workers, work: work.pageFaultChurn({ regionKb: 512 }) })], all),
  },
  cgroupChurn: {
    description: 'workers moving themselves between sibling cgroups',
    build: ({ workers = 2 }) => oneStep([cgroup('churn', { workers, work: work.cgroupChurn() })], all),
  },
  thunderingHerd: {
    description: 'one waker broadcasting to every other worker at once',
    build: ({ workers = 6 }) => oneStep([cgroup('herd', { workers, work: work.thunderingHerd() })], all),
  },
  epollStorm: {
    description: 'eventfd producers flooding epoll_wait consumers',
    build: ({ workers = 4 }) => oneStep([cgroup('epoll', { workers, work: work.epollStorm() })], all),
  },
  signalStorm: {
    description: 'pairs firing SIGUSR1 at each other between bursts',
    build: ({ workers = 4 }) => oneStep([cgroup('signals', { workers, work: work.signalStorm() })], all),
  },
  mutexConvoy: {
    description: 'every worker contending for one futex mutex',
    build: ({ workers = 4 }) => oneStep([cgroup('mutex', { workers, work: work.mutexContention() })], all),
  },
  ioConvoy: {
    description: 'synchronous writers and a read/write convoy on tmpfs',
    build: ({ workers = 2 }) => oneStep([
      cgroup('sync', { workers, work: work.ioSyncWrite({ blocks: 4 }) }),
      cgroup('convoy', { workers, work: work.ioConvoy({ fileKb: 1024 }) }),
    ], all),
  },
});
