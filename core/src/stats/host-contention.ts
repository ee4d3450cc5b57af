/**
 * Whether the host treated both sides of a compared pair alike (docs/stats.md, "Host
 * contention"): each cell records `hostWaitPercent`, the share of the time QEMU wanted a host
 * CPU that it waited for one (core/src/host/process-cpu-time.ts).
 */
import type { StoredCell } from './stored-cell.js';

/** The sides' mean `hostWaitPercent` (null when a cell lacks it) and whether the pair is judged. */
export interface HostContention {
  a: number | null;
  b: number | null;
  judged: boolean;
  /** Why not, when not. */
  why?: string;
}

/** Default of `hostWaitTolerance`: percent points of hostWaitPercent between the sides' means. */
export const HOST_WAIT_TOLERANCE_POINTS = 5;

function meanHostWait(cells: readonly StoredCell[]): number | null {
  let sum = 0;
  for (const c of cells) {
    const v = c.metrics.hostWaitPercent;
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    sum += v;
  }
  return cells.length ? sum / cells.length : null;
}

/**
 * Whether the host gave both sides' VMs the CPU alike. While QEMU waits for a host CPU the
 * guest's clock runs on and nothing is emulated: a wakeup that falls there counts the host's
 * wait as its latency, a worker's run delay grows, a gap opens, fewer iterations are done. On a
 * host whose other load changes between two runs, every replica of the busier run moves
 * together, which no gate over replicas can tell from a change of the scheduler (docs/stats.md,
 * "Host contention"). Measured per cell from QEMU's own run-queue wait; when the sides' means
 * differ by more than `tolerance` points, the pair is shown but not judged, either way: the
 * contention could as well hide a regression as make one up. Cells without the measure (runs
 * stored before it, hosts without schedstat) are judged as before.
 */
export function hostContention(x: readonly StoredCell[], y: readonly StoredCell[], tolerance: number): HostContention {
  const a = meanHostWait(x);
  const b = meanHostWait(y);
  if (a === null || b === null || Math.abs(a - b) <= tolerance) return { a, b, judged: true };
  return {
    a, b, judged: false,
    why: `host contention differed: QEMU waited for a host CPU ${a.toFixed(1)} % of the time it wanted one in A, ${b.toFixed(1)} % in B (more than ${tolerance} points apart)`,
  };
}
