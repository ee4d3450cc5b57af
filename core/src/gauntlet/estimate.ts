/**
 * What a cell is expected to cost in wall time, for budget selection, sharding and the ETA of
 * the progress display: its recorded duration when an earlier run left one, else a model.
 *
 * The model: 1.5 s to start (snapshot restore and QEMU start), 0.35 s per vCPU (per-CPU work
 * in the guest and in TCG grows with the count), the test's scenario duration, and 1 s for
 * results and teardown. It is a rough first guess sized to what cells of up to 16 vCPUs take
 * on our 2-core TCG hosts (a 4-vCPU cell with a 1 s scenario took 3.5-5 s there); recorded
 * durations replace it after one run.
 */
import { type Topology, totalCpus } from '../topology/topology.js';
import type { DurationStore } from './durations.js';

export const MODEL = Object.freeze({ startMs: 1500, perCpuMs: 350, teardownMs: 1000 });

export function modelEstimateMs(topology: Topology, durationMs: number): number {
  return MODEL.startMs + MODEL.perCpuMs * totalCpus(topology) + durationMs + MODEL.teardownMs;
}

export interface Estimate {
  ms: number;
  source: 'recorded' | 'model';
}

export function estimateCell(cell: { name: string; topology: Topology; durationMs: number }, store: DurationStore | undefined): Estimate {
  const recorded = store?.[cell.name];
  if (recorded && recorded.ms > 0) return { ms: recorded.ms, source: 'recorded' };
  return { ms: modelEstimateMs(cell.topology, cell.durationMs), source: 'model' };
}
