/**
 * A cgroup *definition*: its name (nested as `parent/child`), optional cpuset and weight, and
 * the workers each `add`/`spawn` of it starts. Nothing exists in the guest until an `add` op.
 * A definition without workers is a pure parent for nesting.
 */
import type { AffinityIntent } from './affinity.js';
import type { CpusetSpec } from './cpuset.js';
import type { SchedPolicy } from './policy.js';
import type { WorkSpec } from './work.js';

export type CloneMode = 'fork' | 'thread';

export interface CgroupDef {
  name: string;
  cpuset?: CpusetSpec;
  /** cpu.weight, 1..10000 (100 is the kernel's default). */
  weight?: number;
  /** Workers per `add` (and the default count of `spawn`); omit for a pure parent. */
  workers?: number;
  work?: WorkSpec;
  /** task->comm of every worker (<= 15 bytes; default ktstr-<cgroup>). */
  comm?: string;
  /** Workers are threads of one process with this comm (implies clone: 'thread'). */
  pcomm?: string;
  /** One process per worker (fork, the default) or threads of one process. */
  clone?: CloneMode;
  nice?: number;
  policy?: SchedPolicy;
  affinity?: AffinityIntent;
}

export function cgroup(name: string, options: Omit<CgroupDef, 'name'> = {}): CgroupDef {
  return { name, ...options };
}
