/**
 * How much host CPU time a process (all its threads) has used, read from /proc.
 *
 * Under TCG the guest's speed is set by how much host CPU QEMU got: the same scenario does a
 * third fewer iterations on a busy host. Reading QEMU's CPU time around the scenario lets a
 * comparison judge work per CPU second instead of work per wall second (docs/stats.md, "Noise").
 *
 * The first field of /proc/<pid>/task/<tid>/schedstat is the thread's time on a CPU in
 * nanoseconds; their sum is the process's. A thread that exits between two readings takes its
 * time with it (QEMU's short-lived I/O workers, a few ms at most; the vCPU thread that runs
 * the guest lives as long as the VM). Without schedstat (a kernel without CONFIG_SCHED_INFO),
 * utime + stime of /proc/<pid>/stat is used: it counts exited threads too, in clock ticks.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { procStatFields } from './proc-stat.js';

/** sysconf(_SC_CLK_TCK): 100 on every Linux architecture the project runs on. */
const CLOCK_TICKS_PER_S = 100;

/** The process's CPU time in ns, or null when it is gone or /proc cannot tell. */
export function processCpuTimeNs(pid: number, proc = '/proc'): number | null {
  return fromSchedstat(pid, proc) ?? fromStat(pid, proc);
}

function fromSchedstat(pid: number, proc: string): number | null {
  let tids: string[];
  try {
    tids = readdirSync(`${proc}/${pid}/task`);
  } catch {
    return null;
  }
  let sum = 0;
  let read = 0;
  for (const tid of tids) {
    let text: string;
    try {
      text = readFileSync(`${proc}/${pid}/task/${tid}/schedstat`, 'utf8');
    } catch {
      continue; // the thread exited while listed
    }
    const ns = Number(text.split(' ')[0]);
    if (!Number.isFinite(ns)) return null;
    sum += ns;
    read++;
  }
  return read > 0 ? sum : null;
}

function fromStat(pid: number, proc: string): number | null {
  const fields = procStatFields(pid, proc);
  if (!fields) return null;
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15
  return Number.isFinite(ticks) ? (ticks * 1e9) / CLOCK_TICKS_PER_S : null;
}

/** Starts a measurement of `pid`'s CPU time; the returned function gives the ms used since, or null. */
export function startCpuTimeMeasure(pid: number | undefined, proc = '/proc'): () => number | null {
  const start = pid === undefined ? null : processCpuTimeNs(pid, proc);
  return () => {
    if (start === null || pid === undefined) return null;
    const end = processCpuTimeNs(pid, proc);
    return end === null || end < start ? null : (end - start) / 1e6;
  };
}
