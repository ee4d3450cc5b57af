/** Performance: throughput-shaped loads whose iteration counts compare schedulers. */
import { cgroup } from '../cgroup.js';
import { hold } from '../hold.js';
import { work } from '../work.js';
import { defineGroup, oneStep } from './define.js';

const all = hold.fraction(1);

export const performanceScenarios = defineGroup('performance', {
  throughput: {
    description: 'spinners: raw CPU throughput',
    build: ({ workers = 4 }) => oneStep([cgroup('spin', { workers, work: work.spinWait() })], all),
  },
  aluHot: {
    description: 'dependent multiply chains: high IPC',
    build: ({ workers = 4 }) => oneStep([cgroup('alu', { workers, work: work.aluHot() })], all),
  },
  cachePressure: {
    description: 'strided read-modify-write over a private working set',
    build: ({ workers = 4 }) => oneStep([cgroup('cache', { workers, work: work.cachePressure({ workingSetKb: 256 }) })], all),
  },
  ipcVariance: {
    description: 'alternating high- and low-IPC phases',
    build: ({ workers = 4 }) => oneStep([cgroup('ipc', { workers, work: work.ipcVariance({ workingSetKb: 1024 }) })], all),
  },
  fanOutCompute: {
    description: 'a messenger waking workers that each multiply matrices',
    build: ({ workers = 5 }) => oneStep([cgroup('fan', { workers, work: work.fanOutCompute({ fanOut: 4, matrixN: 16 }) })], all),
  },
  wakeChain: {
    description: 'a token passed around a ring of workers',
    build: ({ workers = 4 }) => oneStep([cgroup('ring', { workers, work: work.wakeChain() })], all),
  },
  producerConsumer: {
    description: 'producers outpacing consumers through a shared queue',
    build: ({ workers = 4 }) => oneStep([cgroup('queue', { workers, work: work.producerConsumerImbalance() })], all),
  },
  cachePipe: {
    description: 'cache passes between pipe exchanges with a partner',
    build: ({ workers = 4 }) => oneStep([cgroup('cpipe', { workers, work: work.cachePipe() })], all),
  },
  sequence: {
    description: 'spin, sleep, yield and write phases in turn',
    build: ({ workers = 2 }) => oneStep([cgroup('seq', { workers, work: work.sequence({ spinUs: 500, sleepUs: 500, yields: 2, io: 1 }) })], all),
  },
  futexFanOut: {
    description: 'one leader waking four followers and waiting for all',
    build: ({ workers = 5 }) => oneStep([cgroup('fan', { workers, work: work.futexFanOut({ fanOut: 4 }) })], all),
  },
});
