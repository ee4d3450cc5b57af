/**
 * A failed cell's dump, from what its VM left: the maps are read from the powered-off guest's
 * memory (which the cell keeps until its VM is destroyed, so this runs before that), the rest
 * comes from the error and the cell's result.
 */
import type { CellVm } from '../runner/cell-vm.js';
import { SchedulerExitError } from '../runner/cell-vm.js';
import type { CellResult } from '../result/cell-result.js';
import { Unavailable } from '../monitor/unavailable.js';
import { readSchedulerMaps, type MapsSnapshot } from './bpf-maps.js';
import { buildFailureDump } from './build.js';
import { CastAnalysis } from '../monitor/cast/analyze.js';
import { schedulerCasts } from '../monitor/cast/scheduler-casts.js';
import { resolveSchedulerBinary } from '../api/declare-scheduler.js';
import { fixtureDir } from '../fixture.js';
import type { FailureDump } from './failure-dump.js';

export function collectFailureDump(cell: string, error: unknown, vm: { cellVm: CellVm | undefined; lastResult: CellResult | undefined }): FailureDump {
  let maps: MapsSnapshot | string = 'the cell\'s VM never booted';
  if (vm.cellVm) {
    const pm = vm.cellVm.postMortem();
    if (typeof pm === 'string') maps = pm;
    else {
      const readAt = error instanceof SchedulerExitError
        ? 'read from the powered-off guest: the values the scheduler left at its exit'
        : 'read from the stopped guest: the values the scheduler held when the scenario ended (its VM is stopped at `done`, the scheduler still attached)';
      try {
        const snap = readSchedulerMaps(pm.program, pm.vmlinux, readAt, { casts: castsOf(vm.cellVm) });
        maps = snap instanceof Unavailable ? snap.unavailable : snap;
      } catch (e) {
        maps = `reading the maps failed: ${(e as Error).message}`;
      }
    }
  }
  return buildFailureDump({ cell, error, result: vm.lastResult, maps });
}

/** The scheduler's cast analyses, so u64 fields holding kernel pointers are drawn chased; none when it cannot be analysed. */
function castsOf(cellVm: CellVm): CastAnalysis[] {
  const sched = cellVm.plan.scheduler;
  if (!sched) return [];
  try {
    return schedulerCasts(resolveSchedulerBinary(sched, [fixtureDir()])).analyses.filter((a): a is CastAnalysis => a instanceof CastAnalysis);
  } catch {
    return []; // the maps are still drawn, with those fields as the integers their BTF declares
  }
}
