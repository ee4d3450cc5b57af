/**
 * The scenario validator as the language server calls it: one function, so switching to the
 * dedicated validator core is getting is a one-line change here. For now it validates through
 * `buildCellDescription`, the same code that turns a scenario into what the guest receives.
 */
import { buildCellDescription, type CgroupDef, KtstrError, type Topology } from '@ktstr/core';

/** The first problem of `cgroups` on `topology`; its field reads `cgroups[i].<property>`. */
export function scenarioProblem(cgroups: readonly CgroupDef[], topology: Topology, durationMs: number): KtstrError | undefined {
  try {
    buildCellDescription({ topology, schedTimeoutMs: 1000, durationMs, cgroups });
    return undefined;
  } catch (e) {
    if (e instanceof KtstrError) return e;
    return new KtstrError('cgroups', cgroups, `cannot be checked (${(e as Error).message})`, 'Check the cgroup definitions.');
  }
}
