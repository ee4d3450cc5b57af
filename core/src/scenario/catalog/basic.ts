/** Basic: one kind of work at a time, no dynamics: does the scheduler run plain loads at all. */
import { cgroup } from '../cgroup.js';
import { hold } from '../hold.js';
import { work } from '../work.js';
import { defineGroup, oneStep } from './define.js';

const all = hold.fraction(1);

export const basicScenarios = defineGroup('basic', {
  spin: {
    description: 'CPU-bound spinners in one cgroup',
    build: ({ workers = 4 }) => oneStep([cgroup('spin', { workers, work: work.spinWait() })], all),
  },
  mixedLoad: {
    description: 'spinners, sleepers and pipe pairs side by side',
    build: ({ workers = 2 }) => oneStep([
      cgroup('spin', { workers, work: work.spinWait() }),
      cgroup('sleep', { workers, work: work.bursty() }),
      cgroup('pipe', { workers, work: work.pipeIo() }),
    ], all),
  },
  yield: {
    description: 'workers that only call sched_yield()',
    build: ({ workers = 4 }) => oneStep([cgroup('yield', { workers, work: work.yieldHeavy() })], all),
  },
  wakeupPairs: {
    description: 'pairs exchanging a byte over pipes: cross-CPU wake placement',
    build: ({ workers = 4 }) => oneStep([cgroup('pairs', { workers, work: work.pipeIo() })], all),
  },
  futexPairs: {
    description: 'pairs waking each other through futexes',
    build: ({ workers = 4 }) => oneStep([cgroup('pairs', { workers, work: work.futexPingPong() })], all),
  },
  sleepers: {
    description: 'burst-then-sleep workers: timer wakeups',
    build: ({ workers = 4 }) => oneStep([cgroup('sleepers', { workers, work: work.bursty({ burstUs: 300, sleepUs: 700 }) })], all),
  },
  idleChurn: {
    description: 'short bursts and nanosleeps: CPUs enter and leave idle constantly',
    build: ({ workers = 4 }) => oneStep([cgroup('churn', { workers, work: work.idleChurn() })], all),
  },
  forkExit: {
    description: 'workers forking and reaping short-lived children',
    build: ({ workers = 2 }) => oneStep([cgroup('fork', { workers, work: work.forkExit() })], all),
  },
});
