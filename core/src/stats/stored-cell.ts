/**
 * One row of a stored run's cells.parquet: what identifies the cell, how it went, and its
 * whole-run metrics. `ktstr stats show` and `compare` read only these rows; the per-cgroup and
 * per-step numbers, the timeline and the workers stay in the cell's JSON file.
 */
import type { CellStatus } from './run-results.js';

export interface StoredCell {
  /** The run directory's name this row came from. */
  run: string;
  /** The unique name in its run (`test/preset/kernel`, `#N` for replica N >= 2). */
  name: string;
  /** `test/preset/kernel` without the replica suffix. */
  cell: string;
  test: string;
  preset: string;
  topology: string;
  kernel: string;
  scheduler: string;
  /** sha256 of the scheduler binary the cell ran (null: the kernel's own scheduler, or not known). */
  schedulerHash: string | null;
  /** The scheduler's arguments, as a JSON array. */
  schedulerArgs: string;
  /** The canned scenario's name for a `ktstr test --scenario` cell. */
  scenario: string | null;
  /** 1-based; `ktstr test --repeat N` runs replicas 1..N. */
  replica: number;
  status: CellStatus;
  reason: string | null;
  durationMs: number;
  /** The project's git commit (`-dirty` with uncommitted changes to tracked files); null outside git. */
  commit: string | null;
  /** The cell's JSON file, relative to the run directory. */
  detail: string | null;
  /**
   * How QEMU executed the guest ('tcg': one host thread emulates every vCPU); null when the run
   * did not record it (runs stored before it was, or cells whose QEMU CPU time was not read).
   */
  accel: 'kvm' | 'tcg' | null;
  /** Whole-run metrics by key (docs/metrics.md); null where the cell has no such value. */
  metrics: Record<string, number | null>;
}

/** The dimensions that identify a cell across runs; compare pairs on those A and B share. */
export const CELL_DIMENSIONS = ['test', 'preset', 'topology', 'kernel', 'scheduler', 'schedulerHash', 'schedulerArgs', 'scenario', 'commit'] as const;
export type CellDimension = (typeof CELL_DIMENSIONS)[number];
