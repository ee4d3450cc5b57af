/**
 * What one periodic sample reads: every CPU's runqueue (helpers/rq.ts) and the sched_ext state
 * and event counters (helpers/sched-ext.ts). The loop takes any `SampleReader`; this one only
 * shapes what the helpers read into plain sample data, so each fact has one reader.
 *
 * Sample data is JSON-friendly: numbers (u64 counters are exact below 2^53 — rq.clock in ns
 * reaches that after 104 days), strings, and null where the helper returned Unavailable, which a
 * series reports as MissingStats rather than reading it as 0.
 */
import type { SampleData } from '../temporal/sample.js';
import type { KernelProgram } from '../program.js';
import { Unavailable } from '../unavailable.js';
import { readRunqueue } from '../helpers/rq.js';
import { readSchedExtState } from '../helpers/sched-ext.js';

export type SampleReader = (prog: KernelProgram, cpus: number) => SampleData;

/** One CPU's runqueue as a sample carries it (helpers/rq.ts's Runqueue, Unavailable as null). */
export interface RunqueueSample {
  cpu: number;
  nrRunning: number | null;
  /** rq->clock, ns of guest time; it advances only while the CPU runs kernel code that updates it. */
  clock: number | null;
  scx: { nrRunning: number | null; flags: number | null };
  localDsqDepth: number | null;
  curr: { pid: number | null; comm: string | null };
  /** curr is the CPU's idle task (pid 0). */
  idle: boolean | null;
}

/** Per CPU, then sched_ext: the enable state, the scheduler's name and its event counters summed over CPUs. */
export interface MonitorSampleData extends SampleData {
  cpus: RunqueueSample[];
  scx: { state: string | null; opsName: string | null };
  /** Null when no BPF scheduler is attached or the kernel keeps no counters. */
  events: Record<string, number> | null;
}

const val = <T>(v: T | Unavailable): T | null => (v instanceof Unavailable ? null : v);
const num = (v: number | bigint | Unavailable): number | null => (v instanceof Unavailable ? null : Number(v));

/** Reads every CPU's runqueue and the sched_ext state; the program needs the kernel's BTF (useBtf). */
export const kernelSampleReader: SampleReader = (prog, cpus) => {
  const rqs: RunqueueSample[] = [];
  for (let cpu = 0; cpu < cpus; cpu++) {
    const rq = readRunqueue(prog, cpu);
    const pid = val(rq.curr.pid);
    rqs.push({
      cpu, nrRunning: num(rq.nrRunning), clock: num(rq.clock),
      scx: { nrRunning: num(rq.scx.nrRunning), flags: num(rq.scx.flags) },
      localDsqDepth: num(rq.localDsqDepth),
      curr: { pid, comm: val(rq.curr.comm) },
      idle: pid === null ? null : pid === 0,
    });
  }
  // The reason counters are off on a kernel without them is logged once by the helper; here it is null.
  const sx = readSchedExtState(prog, { log: () => {} });
  const ev = val(sx.events);
  const data: MonitorSampleData = {
    cpus: rqs,
    scx: { state: val(sx.state), opsName: val(sx.opsName) },
    events: ev ? Object.fromEntries(Object.entries(ev.totals).map(([k, v]) => [k, Number(v)])) : null,
  };
  return data;
};
