/**
 * How much host CPU time a process (all its threads) has used, read from /proc.
 *
 * Under TCG the guest's speed is set by how much host CPU QEMU got: the same scenario does a
 * third fewer iterations on a busy host. Reading QEMU's CPU time around the scenario lets a
 * comparison judge work per CPU second instead of work per wall second (docs/stats.md, "Noise").
 *
 * The first field of /proc/<pid>/task/<tid>/schedstat is the thread's time on a CPU in
 * nanoseconds; their sum is the process's. The second is the time the thread was runnable but
 * waited for a CPU: for QEMU, time the guest's clock ran on while no vCPU was emulated, which
 * the guest sees as delay and lost throughput (`hostWaitPercent`, docs/stats.md "Host
 * contention"). A thread that exits between two readings takes its time with it (QEMU's
 * short-lived I/O workers, a few ms at most; the vCPU thread that runs the guest lives as long
 * as the VM). Without schedstat (a kernel without CONFIG_SCHED_INFO), utime + stime of
 * /proc/<pid>/stat is used: it counts exited threads too, in clock ticks, and has no wait.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { procStatFields } from './proc-stat.js';

/** sysconf(_SC_CLK_TCK): 100 on every Linux architecture the project runs on. */
const CLOCK_TICKS_PER_S = 100;

/** A process's scheduling times, summed over its threads, in ns. */
export interface SchedTimesNs {
  /** On a CPU. */
  cpu: number;
  /** Runnable and waiting for a CPU; null where /proc cannot tell (no schedstat). */
  wait: number | null;
}

/** The process's CPU and run-queue wait times, or null when it is gone or /proc cannot tell. */
export function processSchedTimesNs(pid: number, proc = '/proc'): SchedTimesNs | null {
  const schedstat = fromSchedstat(pid, proc);
  if (schedstat) return schedstat;
  const cpu = fromStat(pid, proc);
  return cpu === null ? null : { cpu, wait: null };
}

function fromSchedstat(pid: number, proc: string): SchedTimesNs | null {
  let tids: string[];
  try {
    tids = readdirSync(`${proc}/${pid}/task`);
  } catch {
    return null;
  }
  let cpu = 0;
  let wait = 0;
  let read = 0;
  for (const tid of tids) {
    let text: string;
    try {
      text = readFileSync(`${proc}/${pid}/task/${tid}/schedstat`, 'utf8');
    } catch {
      continue; // the thread exited while listed
    }
    const [onCpu, waited] = text.split(' ').map(Number);
    if (!Number.isFinite(onCpu) || !Number.isFinite(waited)) return null;
    cpu += onCpu!;
    wait += waited!;
    read++;
  }
  return read > 0 ? { cpu, wait } : null;
}

function fromStat(pid: number, proc: string): number | null {
  const fields = procStatFields(pid, proc);
  if (!fields) return null;
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14 and 15
  return Number.isFinite(ticks) ? (ticks * 1e9) / CLOCK_TICKS_PER_S : null;
}

/** What a process used from a measurement's start to its end, in ms. */
export interface SchedTimesMs {
  cpuMs: number;
  /** Null where /proc has no schedstat. */
  waitMs: number | null;
}

/** Starts a measurement of `pid`'s CPU and wait times; the returned function gives the ms since, or null. */
export function startCpuTimeMeasure(pid: number | undefined, proc = '/proc'): () => SchedTimesMs | null {
  const start = pid === undefined ? null : processSchedTimesNs(pid, proc);
  return () => {
    if (start === null || pid === undefined) return null;
    const end = processSchedTimesNs(pid, proc);
    if (end === null || end.cpu < start.cpu) return null;
    const waited = end.wait !== null && start.wait !== null && end.wait >= start.wait ? (end.wait - start.wait) / 1e6 : null;
    return { cpuMs: (end.cpu - start.cpu) / 1e6, waitMs: waited };
  };
}

/**
 * Of the time the process wanted a CPU (on one, or waiting for one), the percent it waited:
 * how contended the host was for it, whatever the guest did (an idle guest wants less, not
 * waits less). Null without the wait, or with no time at all.
 */
export function waitPercent(t: SchedTimesMs): number | null {
  if (t.waitMs === null || t.cpuMs + t.waitMs <= 0) return null;
  return (100 * t.waitMs) / (t.cpuMs + t.waitMs);
}
