/**
 * A CPU's runqueue (struct rq, the per-CPU `runqueues`): what it runs and how much is queued,
 * the sched_ext part of it, and the task on the CPU. Each field is read on its own, so a kernel
 * without sched_ext still reports nrRunning and clock, with the scx fields Unavailable.
 */
import type { KernelProgram } from '../program.js';
import type { KObject, Scalar } from '../object.js';
import { Unavailable } from '../unavailable.js';
import { readTask, type TaskIdentity } from './task.js';

export interface Runqueue {
  cpu: number;
  /** rq.cpu as the kernel stores it: equal to `cpu` for a sound read. */
  rqCpu: number | Unavailable;
  /** rq.nr_running: runnable tasks of every class on this CPU. */
  nrRunning: number | Unavailable;
  /** rq.clock in ns, the runqueue's clock (updated when the CPU schedules or ticks). */
  clock: bigint | Unavailable;
  scx: {
    /** rq.scx.nr_running: tasks of the sched_ext class on this CPU. */
    nrRunning: number | Unavailable;
    /** rq.scx.flags: SCX_RQ_* bits. */
    flags: number | Unavailable;
  };
  /** rq.scx.local_dsq.nr: tasks waiting in the CPU's local dispatch queue. */
  localDsqDepth: number | Unavailable;
  /** rq.curr. */
  curr: TaskIdentity;
}

/** CPU `cpu`'s struct rq as a typed object. */
export function runqueue(prog: KernelProgram, cpu: number): KObject | Unavailable {
  return prog.perCpuObject('runqueues', cpu, 'struct rq');
}

export function readRunqueue(prog: KernelProgram, cpu: number): Runqueue {
  const rq = runqueue(prog, cpu);
  const read = (path: string): Scalar | Unavailable => (rq instanceof Unavailable ? rq : rq.readMember(path));
  const num = (path: string): number | Unavailable => {
    const v = read(path);
    return typeof v === 'bigint' ? Number(v) : v;
  };
  const big = (path: string): bigint | Unavailable => {
    const v = read(path);
    return typeof v === 'number' ? BigInt(v) : v;
  };
  return {
    cpu,
    rqCpu: num('cpu'),
    nrRunning: num('nr_running'),
    clock: big('clock'),
    scx: { nrRunning: num('scx.nr_running'), flags: num('scx.flags') },
    localDsqDepth: num('scx.local_dsq.nr'),
    curr: readTask(rq instanceof Unavailable ? rq : rq.member('curr')),
  };
}
