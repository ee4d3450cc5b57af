/** `vm.run(cgroups, hold)` as a scenario: one step that adds every cgroup, then holds. */
import type { CgroupDef } from './cgroup.js';
import type { HoldSpec } from './hold.js';
import type { Scenario } from './scenario.js';

export function oneStepScenario(cgroups: readonly CgroupDef[], hold: HoldSpec): Scenario {
  return {
    name: 'run',
    cgroups: [...cgroups],
    steps: [{ name: 'run', ops: cgroups.map((c) => ({ op: 'add' as const, cgroup: c.name })), hold }],
  };
}
