/**
 * Work types: what each worker does in a loop (docs/work-types.md is the contract). The guest
 * agent implements them; the host only describes them and checks their parameters, so a typo
 * or an out-of-range value fails before any VM boots. Parameter names are camelCase here and
 * snake_case on the wire.
 */
import { KtstrError } from '../errors.js';

export type WorkType =
  | 'spin_wait' | 'yield_heavy' | 'mixed' | 'alu_hot' | 'smt_sibling_spin' | 'ipc_variance'
  | 'io_sync_write' | 'io_rand_read' | 'io_convoy' | 'bursty' | 'idle_churn' | 'pipe_io'
  | 'futex_ping_pong' | 'futex_fan_out' | 'cache_pressure' | 'cache_yield' | 'cache_pipe'
  | 'sequence' | 'fork_exit' | 'nice_sweep' | 'affinity_churn' | 'policy_churn'
  | 'numa_migration_churn' | 'cgroup_churn' | 'fan_out_compute' | 'asymmetric_waker'
  | 'wake_chain' | 'epoll_storm' | 'thundering_herd' | 'page_fault_churn'
  | 'numa_working_set_sweep' | 'mutex_contention' | 'priority_inversion'
  | 'producer_consumer_imbalance' | 'signal_storm' | 'preempt_storm' | 'rt_starvation' | 'custom';

export interface WorkSpec {
  type: WorkType;
  /** snake_case wire names; parameters left out take the agent's defaults. */
  params: Record<string, number>;
  /** `custom` only: the command line the agent runs with /bin/sh -c. */
  command?: string;
}

/** One integer parameter: its wire name, default and allowed range. */
export interface WorkParam {
  wire: string;
  default: number;
  min: number;
  max: number;
}

/** What a work type needs from the cell beyond CPUs, so scenarios can gate on it. */
export interface WorkTypeInfo {
  type: WorkType;
  builder: string;
  params: readonly WorkParam[];
  /** Runs SCHED_FIFO/RR workers (outside sched_ext). */
  realtime: boolean;
  /** The pressure the type exists to create, and the metric that shows it. */
  pressure: 'cpu' | 'wakeups' | 'migrations' | 'rt-starvation' | 'page-faults' | 'voluntary-switches' | 'none';
}

// Upper bounds keep one iteration well under a second on a TCG guest, so a step's hold ends
// on time; durations are microseconds, sizes KiB. None is above the guest parser's bound for the
// same parameter (native/guest/work_types.c), so what passes here is never refused in the VM.
const US = 1_000_000;
const TURNS = 1_000_000_000;
const p = (wire: string, dflt: number, min: number, max: number): WorkParam => ({ wire, default: dflt, min, max });
const burst = (d: number) => p('burst_us', d, 0, US);
const wsKb = (d: number) => p('working_set_kb', d, 4, 1 << 20);
const stride = p('stride', 64, 1, 1 << 20);
const info = (type: WorkType, builder: string, params: WorkParam[], pressure: WorkTypeInfo['pressure'] = 'none', realtime = false): WorkTypeInfo =>
  ({ type, builder, params, pressure, realtime });

/** The 38 types of docs/work-types.md, in its order. */
export const WORK_TYPE_INFO: readonly WorkTypeInfo[] = Object.freeze([
  info('spin_wait', 'spinWait', [p('spin_iters', 1024, 1, TURNS)], 'cpu'),
  info('yield_heavy', 'yieldHeavy', []),
  info('mixed', 'mixed', [burst(100)], 'cpu'),
  info('alu_hot', 'aluHot', [p('chain_len', 4096, 1, TURNS)], 'cpu'),
  info('smt_sibling_spin', 'smtSiblingSpin', [p('spin_iters', 1024, 1, TURNS)], 'cpu'),
  info('ipc_variance', 'ipcVariance', [p('phase_iters', 4096, 1, TURNS), wsKb(4096)], 'cpu'),
  info('io_sync_write', 'ioSyncWrite', [p('blocks', 16, 1, 4096)], 'voluntary-switches'),
  info('io_rand_read', 'ioRandRead', [p('file_kb', 16384, 4, 1 << 20)], 'voluntary-switches'),
  info('io_convoy', 'ioConvoy', [p('file_kb', 16384, 4, 1 << 20), p('sync_every', 16, 1, 1_000_000)], 'voluntary-switches'),
  info('bursty', 'bursty', [burst(500), p('sleep_us', 500, 1, US)], 'wakeups'),
  info('idle_churn', 'idleChurn', [burst(50), p('sleep_us', 100, 1, US)], 'voluntary-switches'),
  info('pipe_io', 'pipeIo', [burst(50)], 'wakeups'),
  info('futex_ping_pong', 'futexPingPong', [burst(50)], 'wakeups'),
  info('futex_fan_out', 'futexFanOut', [p('fan_out', 4, 1, 64), burst(50)], 'wakeups'),
  info('cache_pressure', 'cachePressure', [wsKb(32), stride], 'cpu'),
  info('cache_yield', 'cacheYield', [wsKb(32), stride]),
  info('cache_pipe', 'cachePipe', [wsKb(32), stride], 'wakeups'),
  info('sequence', 'sequence', [p('spin_us', 1000, 0, US), p('sleep_us', 1000, 0, US), p('yields', 4, 0, 1024), p('io', 0, 0, 1)]),
  info('fork_exit', 'forkExit', []),
  info('nice_sweep', 'niceSweep', [burst(100)]),
  info('affinity_churn', 'affinityChurn', [burst(50)], 'migrations'),
  info('policy_churn', 'policyChurn', [burst(100)], 'none', true),
  info('numa_migration_churn', 'numaMigrationChurn', [burst(200)], 'migrations'),
  info('cgroup_churn', 'cgroupChurn', [p('siblings', 2, 1, 16), burst(200)]),
  info('fan_out_compute', 'fanOutCompute', [p('fan_out', 4, 1, 64), p('matrix_n', 32, 1, 512)], 'wakeups'),
  info('asymmetric_waker', 'asymmetricWaker', [burst(50)], 'wakeups'),
  info('wake_chain', 'wakeChain', [burst(20), p('futex', 0, 0, 1)], 'wakeups'),
  info('epoll_storm', 'epollStorm', [p('producers', 1, 1, 1024), burst(50)], 'wakeups'),
  info('thundering_herd', 'thunderingHerd', [burst(200)], 'wakeups'),
  info('page_fault_churn', 'pageFaultChurn', [p('region_kb', 1024, 4, 1 << 20)], 'page-faults'),
  info('numa_working_set_sweep', 'numaWorkingSetSweep', [wsKb(4096)]),
  info('mutex_contention', 'mutexContention', [p('hold_us', 10, 0, US), burst(10)], 'voluntary-switches'),
  info('priority_inversion', 'priorityInversion', [p('hold_us', 100, 0, US), burst(100), p('pi', 1, 0, 1)], 'none', true),
  info('producer_consumer_imbalance', 'producerConsumerImbalance', [p('produce_us', 10, 0, US), p('consume_us', 50, 0, US)], 'wakeups'),
  info('signal_storm', 'signalStorm', [burst(50)], 'wakeups'),
  info('preempt_storm', 'preemptStorm', [p('period_us', 1000, 1, US), burst(100)], 'rt-starvation', true),
  info('rt_starvation', 'rtStarvation', [p('rt_workers', 1, 1, 1024)], 'rt-starvation', true),
  info('custom', 'custom', []),
]);

export const WORK_TYPES: readonly WorkType[] = WORK_TYPE_INFO.map((i) => i.type);

export function workTypeInfo(type: string): WorkTypeInfo | undefined {
  return WORK_TYPE_INFO.find((i) => i.type === type);
}

const snake = (camel: string) => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (wire: string) => wire.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Checks a work spec's parameters against the table; `field` is the path used in errors
 * (e.g. `cgroups[1].work`). Returns nothing: a bad value throws.
 */
export function checkWorkSpec(w: unknown, field: string): asserts w is WorkSpec {
  const spec = w as Partial<WorkSpec> | undefined;
  const ti = typeof spec === 'object' && spec !== null ? workTypeInfo(String(spec.type)) : undefined;
  if (!ti) {
    throw new KtstrError(`${field}.type`, spec?.type ?? spec, 'is not a known work type',
      'Use a builder on `work` (e.g. work.spinWait()); docs/work-types.md lists all 38.');
  }
  const params = spec!.params ?? {};
  if (typeof params !== 'object' || params === null) {
    throw new KtstrError(`${field}.params`, params, 'is not an object of integer parameters', 'Build the spec with work.<type>({...}).');
  }
  for (const [k, v] of Object.entries(params)) {
    const def = ti.params.find((x) => x.wire === k);
    if (!def) {
      const known = ti.params.map((x) => camel(x.wire));
      throw new KtstrError(`${field}.${camel(k)}`, v, `is not a parameter of ${ti.builder}`,
        known.length ? `Its parameters are ${known.join(', ')}.` : `${ti.builder} takes no parameters.`);
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < def.min || v > def.max) {
      throw new KtstrError(`${field}.${camel(k)}`, v, `must be a whole number from ${def.min} to ${def.max}`,
        `Leave it out for the default (${def.default}).`);
    }
  }
  if (ti.type === 'custom') {
    if (typeof spec!.command !== 'string' || spec!.command.trim() === '' || /[\r\n]/.test(spec!.command)) {
      throw new KtstrError(`${field}.command`, spec!.command, 'must be one non-empty command line',
        'work.custom({ command: "/bin/stress --cpu 1" }); join commands with ; or &&.');
    }
  } else if (spec!.command !== undefined) {
    throw new KtstrError(`${field}.command`, spec!.command, `is only for work.custom`, 'Remove it, or use work.custom({ command }).');
  }
}

function build(type: WorkType, options: object | undefined, builder: string): WorkSpec {
  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries(options ?? {})) {
    if (v === undefined) continue;
    if (type === 'custom' && k === 'command') continue;
    params[snake(k)] = v as number;
  }
  const w: WorkSpec = type === 'custom' ? { type, params, command: (options as { command?: string }).command } : { type, params };
  checkWorkSpec(w, `work.${builder}()`);
  return w;
}

type Burst = { burstUs?: number };
type Cache = { workingSetKb?: number; stride?: number };

/** Builders for the 38 work types; each validates its parameters when called. */
export const work = {
  /** Tight CPU spin; one iteration = `spinIters` loop turns. */
  spinWait: (o: { spinIters?: number } = {}) => build('spin_wait', o, 'spinWait'),
  /** sched_yield() in a loop: the yield path. */
  yieldHeavy: () => build('yield_heavy', {}, 'yieldHeavy'),
  /** Spin `burstUs`, then sched_yield(). */
  mixed: (o: Burst = {}) => build('mixed', o, 'mixed'),
  /** A dependent integer multiply chain: high IPC. */
  aluHot: (o: { chainLen?: number } = {}) => build('alu_hot', o, 'aluHot'),
  /** Pairs PAUSE-spinning on the two SMT siblings of one core. */
  smtSiblingSpin: (o: { spinIters?: number } = {}) => build('smt_sibling_spin', o, 'smtSiblingSpin'),
  /** Alternating high-IPC multiplies and low-IPC cache touches. */
  ipcVariance: (o: { phaseIters?: number; workingSetKb?: number } = {}) => build('ipc_variance', o, 'ipcVariance'),
  /** `blocks` O_SYNC 4 KiB pwrites, then fdatasync: blocking writes. */
  ioSyncWrite: (o: { blocks?: number } = {}) => build('io_sync_write', o, 'ioSyncWrite'),
  /** One random 4 KiB pread of a `fileKb` file (O_DIRECT where allowed). */
  ioRandRead: (o: { fileKb?: number } = {}) => build('io_rand_read', o, 'ioRandRead'),
  /** Sequential pwrite + random pread, fdatasync every `syncEvery`. */
  ioConvoy: (o: { fileKb?: number; syncEvery?: number } = {}) => build('io_convoy', o, 'ioConvoy'),
  /** Spin `burstUs`, sleep `sleepUs`: timer wakeups. */
  bursty: (o: Burst & { sleepUs?: number } = {}) => build('bursty', o, 'bursty'),
  /** Spin `burstUs`, nanosleep `sleepUs`: hrtimer and idle entries. */
  idleChurn: (o: Burst & { sleepUs?: number } = {}) => build('idle_churn', o, 'idleChurn'),
  /** Spin, then a 1-byte pipe exchange with a partner: cross-CPU wake placement. */
  pipeIo: (o: Burst = {}) => build('pipe_io', o, 'pipeIo'),
  /** Paired futex wait/wake (no WF_SYNC). */
  futexPingPong: (o: Burst = {}) => build('futex_ping_pong', o, 'futexPingPong'),
  /** One leader wakes `fanOut` followers and waits for all: 1:N wakeups. */
  futexFanOut: (o: Burst & { fanOut?: number } = {}) => build('futex_fan_out', o, 'futexFanOut'),
  /** Strided read-modify-write over a `workingSetKb` buffer: cache pressure. */
  cachePressure: (o: Cache = {}) => build('cache_pressure', o, 'cachePressure'),
  /** One cache-pressure pass, then sched_yield(). */
  cacheYield: (o: Cache = {}) => build('cache_yield', o, 'cacheYield'),
  /** One cache-pressure pass, then the pipe exchange with a partner. */
  cachePipe: (o: Cache = {}) => build('cache_pipe', o, 'cachePipe'),
  /** Spin, sleep, yield and optionally write, in that order. */
  sequence: (o: { spinUs?: number; sleepUs?: number; yields?: number; io?: number } = {}) => build('sequence', o, 'sequence'),
  /** fork() a child that exits at once, reap it: the fork/exit path. */
  forkExit: () => build('fork_exit', {}, 'forkExit'),
  /** Step nice through -20..19, spinning `burstUs` at each: weight changes. */
  niceSweep: (o: Burst = {}) => build('nice_sweep', o, 'niceSweep'),
  /** Pin itself to the next CPU of its allowed set each iteration: forced migrations. */
  affinityChurn: (o: Burst = {}) => build('affinity_churn', o, 'affinityChurn'),
  /** Cycle OTHER, BATCH, IDLE, FIFO, RR: class changes (needs RT). */
  policyChurn: (o: Burst = {}) => build('policy_churn', o, 'policyChurn'),
  /** Pin itself to the next NUMA node's CPUs each iteration: cross-node migrations. */
  numaMigrationChurn: (o: Burst = {}) => build('numa_migration_churn', o, 'numaMigrationChurn'),
  /** Move itself between `siblings` sibling cgroups: the cgroup migration path. */
  cgroupChurn: (o: Burst & { siblings?: number } = {}) => build('cgroup_churn', o, 'cgroupChurn'),
  /** A messenger wakes `fanOut` workers that each multiply two matrices. */
  fanOutCompute: (o: { fanOut?: number; matrixN?: number } = {}) => build('fan_out_compute', o, 'fanOutCompute'),
  /** Pairs in SCHED_OTHER and SCHED_BATCH sharing one futex word: cross-class wakeups. */
  asymmetricWaker: (o: Burst = {}) => build('asymmetric_waker', o, 'asymmetricWaker'),
  /** A token passed around a ring of the batch (pipe, or futex with futex: 1). */
  wakeChain: (o: Burst & { futex?: number } = {}) => build('wake_chain', o, 'wakeChain'),
  /** eventfd producers and epoll_wait consumers. */
  epollStorm: (o: Burst & { producers?: number } = {}) => build('epoll_storm', o, 'epollStorm'),
  /** Worker 0 wakes every other worker of the batch at once. */
  thunderingHerd: (o: Burst = {}) => build('thundering_herd', o, 'thunderingHerd'),
  /** mmap, touch, MADV_DONTNEED, munmap `regionKb`: minor faults. */
  pageFaultChurn: (o: { regionKb?: number } = {}) => build('page_fault_churn', o, 'pageFaultChurn'),
  /** mbind its working set to the next NUMA node and touch it. */
  numaWorkingSetSweep: (o: { workingSetKb?: number } = {}) => build('numa_working_set_sweep', o, 'numaWorkingSetSweep'),
  /** One futex mutex shared by the batch: lock convoys. */
  mutexContention: (o: Burst & { holdUs?: number } = {}) => build('mutex_contention', o, 'mutexContention'),
  /** Low, middle (FIFO 1) and high (FIFO 2) tiers around one lock (PI futex when pi: 1). */
  priorityInversion: (o: Burst & { holdUs?: number; pi?: number } = {}) => build('priority_inversion', o, 'priorityInversion'),
  /** Even workers produce every `produceUs`, odd ones consume `consumeUs` per item. */
  producerConsumerImbalance: (o: { produceUs?: number; consumeUs?: number } = {}) => build('producer_consumer_imbalance', o, 'producerConsumerImbalance'),
  /** Pairs signalling each other with SIGUSR1 between bursts. */
  signalStorm: (o: Burst = {}) => build('signal_storm', o, 'signalStorm'),
  /** Worker 0 (FIFO 1) wakes every `periodUs` and preempts the spinning others. */
  preemptStorm: (o: Burst & { periodUs?: number } = {}) => build('preempt_storm', o, 'preemptStorm'),
  /** The first `rtWorkers` spin as FIFO 1; the rest are normal tasks they starve. */
  rtStarvation: (o: { rtWorkers?: number } = {}) => build('rt_starvation', o, 'rtStarvation'),
  /** Run `command` with /bin/sh -c; its exit ends the iteration. */
  custom: (o: { command: string }) => build('custom', o, 'custom'),
} as const;
