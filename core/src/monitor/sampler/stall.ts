/**
 * A stall as the host sees it: a CPU with work queued (nr_running >= 1) whose rq clock did not
 * move for N consecutive periodic samples. The clock is updated by the CPU itself on every tick
 * and schedule, so a busy CPU whose clock stands still is not running the kernel at all (stuck
 * with interrupts off, or a vCPU the host never ran). An idle CPU under NOHZ stops its tick and
 * its clock legitimately; it is not judged. Captures are left out: a stopped guest's clock does
 * not move by design.
 */
import { isPlaceholder, type Sample } from '../temporal/sample.js';
import type { MonitorSampleData, RunqueueSample } from './sample-reader.js';

export interface Stall {
  cpu: number;
  /** The run of samples in which the clock stood still: the sample it was first seen unchanged in, and the last. */
  fromIndex: number;
  toIndex: number;
  fromMs: number;
  toMs: number;
  /** Consecutive samples without an advance (the run's length). */
  samples: number;
  clock: number;
  nrRunning: number;
}

function cpusOf(s: Sample): readonly (RunqueueSample | null)[] | undefined {
  if (s.kind !== 'sample' || s.data === null || s.data === undefined || isPlaceholder(s.data)) return undefined;
  const cpus = (s.data as Partial<MonitorSampleData>).cpus;
  return Array.isArray(cpus) ? cpus : undefined;
}

/**
 * Every run of at least `n` consecutive periodic samples in which a busy CPU's clock equalled
 * the previous sample's. A sample without that CPU's reading ends the run (nothing is assumed).
 */
export function findStalls(samples: readonly Sample[], n: number): Stall[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`a stall needs a whole number of samples >= 1, got ${n}`);
  const periodic = samples.filter((s) => s.kind === 'sample');
  const width = Math.max(0, ...periodic.map((s) => cpusOf(s)?.length ?? 0));
  const out: Stall[] = [];
  for (let cpu = 0; cpu < width; cpu++) {
    let run: Stall | undefined;
    const close = () => {
      if (run && run.samples >= n) out.push(run);
      run = undefined;
    };
    for (let i = 1; i < periodic.length; i++) {
      const prev = cpusOf(periodic[i - 1]!)?.[cpu];
      const cur = cpusOf(periodic[i]!)?.[cpu];
      // A field read as null (Unavailable) is no evidence either way: the run ends there.
      const busy = (rq: RunqueueSample | null | undefined): rq is RunqueueSample & { nrRunning: number; clock: number } =>
        !!rq && rq.nrRunning !== null && rq.nrRunning >= 1 && rq.clock !== null;
      if (!busy(prev) || !busy(cur) || cur.clock !== prev.clock) {
        close();
        continue;
      }
      const s = periodic[i]!;
      if (run) {
        run.samples++;
        run.toIndex = s.index;
        run.toMs = s.elapsedMs;
        run.nrRunning = Math.max(run.nrRunning, cur.nrRunning);
      } else {
        run = { cpu, fromIndex: s.index, toIndex: s.index, fromMs: s.elapsedMs, toMs: s.elapsedMs, samples: 1, clock: cur.clock, nrRunning: cur.nrRunning };
      }
    }
    close();
  }
  return out.sort((a, b) => a.fromMs - b.fromMs || a.cpu - b.cpu);
}

export function describeStall(s: Stall): string {
  return `CPU ${s.cpu} had ${s.nrRunning} runnable but its rq clock stayed at ${s.clock} ns for ${s.samples} consecutive samples `
    + `(sample ${s.fromIndex} at ${Math.round(s.fromMs)} ms to sample ${s.toIndex} at ${Math.round(s.toMs)} ms)`;
}
