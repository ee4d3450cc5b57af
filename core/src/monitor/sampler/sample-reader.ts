/**
 * What one periodic sample reads: every CPU's runqueue and the sched_ext event counters. The
 * loop takes any `SampleReader`, so the reading of each fact lives in one place (the readers in
 * helpers/ once they exist) and the loop, captures and assertions do not change with it.
 *
 * This reader is the monitor's own minimal one: member offsets from the vmlinux BTF, resolved
 * once per kernel, then a handful of aligned loads per CPU. Values are numbers (u64 counters are
 * exact below 2^53: rq.clock in ns reaches that after 104 days), so a sample serializes as JSON.
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import { memberBytes } from '../btf/member-path.js';
import type { SampleData } from '../temporal/sample.js';
import type { KernelProgram } from '../program.js';
import { isUnavailable } from '../unavailable.js';
import { perCpuAddress } from '../helpers/percpu.js';

export type SampleReader = (prog: KernelProgram, cpus: number) => SampleData;

/** One CPU's runqueue as a sample carries it (the shape of helpers/rq.ts's readRunqueue, less `curr`). */
export interface RunqueueSample {
  cpu: number;
  nrRunning: number;
  /** rq->clock, ns of guest time; it advances only while the CPU runs kernel code that updates it. */
  clock: number;
  scx: { nrRunning: number; flags: number };
  localDsqDepth: number;
  /** curr is the CPU's idle task. */
  idle: boolean;
}

/** Per CPU, then the sched_ext event counters summed over CPUs (null: no BPF scheduler attached). */
export interface MonitorSampleData extends SampleData {
  cpus: (RunqueueSample | null)[];
  events: Record<string, number> | null;
}

interface Offsets {
  nrRunning: number;
  clock: number;
  scxNrRunning: number;
  scxFlags: number;
  localDsqNr: number;
  curr: number;
  idle: number;
  /** scx_sched.pcpu, scx_sched_pcpu.event_stats and each counter in scx_event_stats; absent on kernels without them. */
  events?: { pcpu: number; stats: number; counters: [name: string, offset: number][] };
}

function offset(btf: Btf, struct: string, path: string): number {
  const m = memberBytes(btf, struct, path);
  if (m instanceof BtfError) throw m;
  if (!m.found) throw new Error(`${struct}.${path}: ${m.why}`);
  return m.offset;
}

function eventOffsets(btf: Btf): Offsets['events'] {
  const stats = btf.lookup('scx_event_stats', 'STRUCT');
  const pcpu = memberBytes(btf, 'scx_sched', 'pcpu');
  const inPcpu = memberBytes(btf, 'scx_sched_pcpu', 'event_stats');
  if (!stats.found || stats.type.kind !== 'STRUCT' || pcpu instanceof BtfError || !pcpu.found || inPcpu instanceof BtfError || !inPcpu.found) return undefined;
  // Every counter is an s64; which ones exist changes between kernels, so they are listed, not named.
  const counters = stats.type.members.filter((m) => m.name.startsWith('SCX_EV_') && m.bitfieldSize === 0 && m.bitsOffset % 64 === 0)
    .map((m): [string, number] => [m.name, m.bitsOffset / 8]);
  return { pcpu: pcpu.offset, stats: inPcpu.offset, counters };
}

/** A reader of struct rq and the event counters with offsets from `btf` (the kernel's vmlinux BTF). */
export function runqueueReader(btf: Btf): SampleReader {
  const o: Offsets = {
    nrRunning: offset(btf, 'rq', 'nr_running'),
    clock: offset(btf, 'rq', 'clock'),
    scxNrRunning: offset(btf, 'rq', 'scx.nr_running'),
    scxFlags: offset(btf, 'rq', 'scx.flags'),
    localDsqNr: offset(btf, 'rq', 'scx.local_dsq.nr'),
    curr: offset(btf, 'rq', 'curr'),
    idle: offset(btf, 'rq', 'idle'),
    events: eventOffsets(btf),
  };
  return (prog, cpus) => {
    const rqs: (RunqueueSample | null)[] = [];
    for (let cpu = 0; cpu < cpus; cpu++) rqs.push(readRq(prog, o, cpu));
    return { cpus: rqs, events: readEvents(prog, o, cpus) } satisfies MonitorSampleData;
  };
}

function readRq(prog: KernelProgram, o: Offsets, cpu: number): RunqueueSample | null {
  const rq = prog.perCpu('runqueues', cpu);
  if (isUnavailable(rq)) return null;
  const nr = prog.readU32(rq + BigInt(o.nrRunning));
  const clock = prog.readU64(rq + BigInt(o.clock));
  const scxNr = prog.readU32(rq + BigInt(o.scxNrRunning));
  const flags = prog.readU32(rq + BigInt(o.scxFlags));
  const dsq = prog.readU32(rq + BigInt(o.localDsqNr));
  const curr = prog.readU64(rq + BigInt(o.curr));
  const idle = prog.readU64(rq + BigInt(o.idle));
  if (isUnavailable(nr) || isUnavailable(clock) || isUnavailable(scxNr) || isUnavailable(flags) || isUnavailable(dsq) || isUnavailable(curr) || isUnavailable(idle)) return null;
  return { cpu, nrRunning: nr, clock: Number(clock), scx: { nrRunning: scxNr, flags }, localDsqDepth: dsq, idle: curr === idle };
}

/** What scx_read_events() computes: each counter summed over CPUs, from the attached scheduler's per-CPU stats. */
function readEvents(prog: KernelProgram, o: Offsets, cpus: number): Record<string, number> | null {
  if (!o.events) return null;
  const root = prog.address('scx_root');
  if (isUnavailable(root)) return null;
  const sch = prog.readU64(root);
  if (isUnavailable(sch) || sch === 0n) return null;
  const pcpu = prog.readU64(sch + BigInt(o.events.pcpu));
  if (isUnavailable(pcpu) || pcpu === 0n) return null;
  const sums = new Map<string, bigint>(o.events.counters.map(([n]) => [n, 0n]));
  for (let cpu = 0; cpu < cpus; cpu++) {
    const at = perCpuAddress(prog.translator, prog.symbols, pcpu, cpu);
    if (isUnavailable(at)) return null;
    const stats = at + BigInt(o.events.stats);
    for (const [name, at] of o.events.counters) {
      const v = prog.readU64(stats + BigInt(at));
      if (isUnavailable(v)) return null;
      sums.set(name, sums.get(name)! + BigInt.asIntN(64, v));
    }
  }
  return Object.fromEntries([...sums].map(([n, v]) => [n, Number(v)]));
}
