/**
 * The scenario validator as the language server calls it: core's own `validateScenario`, the
 * same check `vm.run` makes before a cell is encoded, so the editor and the run never disagree.
 * A `vm.run(cgroups, hold)` literal is checked as the one-step scenario it becomes.
 */
import { type CgroupDef, hold, KtstrError, oneStepScenario, type Topology, validateScenario } from '@ktstr/core';

/** The first problem of `cgroups` on `topology`; its field reads `cgroups[i].<property>`. */
export function scenarioProblem(cgroups: readonly CgroupDef[], topology: Topology, durationMs: number): KtstrError | undefined {
  try {
    validateScenario(oneStepScenario(cgroups, hold.fraction(1)), topology, { durationMs });
    return undefined;
  } catch (e) {
    if (e instanceof KtstrError) return e;
    return new KtstrError('cgroups', cgroups, `cannot be checked (${(e as Error).message})`, 'Check the cgroup definitions.');
  }
}
