/** A cgroup of the scenario: a name, an optional cpuset, and N workers of one work type. */
import type { CpusetSpec } from './cpuset.js';
import type { WorkSpec } from './work.js';

export interface CgroupDef {
  name: string;
  cpuset?: CpusetSpec;
  workers: number;
  work: WorkSpec;
  /** task->comm of every worker (prctl PR_SET_NAME). */
  comm?: string;
  nice?: number;
}

export function cgroup(name: string, options: Omit<CgroupDef, 'name'>): CgroupDef {
  return { name, ...options };
}
