/**
 * Ops: what a step does to the cgroups before it holds. Each names cgroups by their definition
 * names; the checks (defined, present, not yet added) run in step order, op order.
 */
import type { CpusetSpec } from './cpuset.js';

export type Op =
  | { op: 'add'; cgroup: string }
  | { op: 'remove'; cgroup: string }
  | { op: 'set_cpuset'; cgroup: string; cpuset: CpusetSpec }
  | { op: 'clear_cpuset'; cgroup: string }
  | { op: 'swap_cpuset'; cgroup: string; other: string }
  | { op: 'spawn'; cgroup: string; count?: number }
  | { op: 'stop'; cgroup: string; count: number | 'all' }
  | { op: 'set_affinity'; cgroup: string; cpus: CpusetSpec | 'all' }
  | { op: 'move'; cgroup: string; to: string };

export const op = {
  /** Create the cgroup and start a batch of its workers. */
  add: (cgroup: string): Op => ({ op: 'add', cgroup }),
  /** Stop its workers and remove it (children first). */
  remove: (cgroup: string): Op => ({ op: 'remove', cgroup }),
  /** Write its cpuset.cpus. */
  setCpuset: (cgroup: string, cpuset: CpusetSpec): Op => ({ op: 'set_cpuset', cgroup, cpuset }),
  /** Write an empty cpuset.cpus: every CPU of the parent. */
  clearCpuset: (cgroup: string): Op => ({ op: 'clear_cpuset', cgroup }),
  /** Exchange two cgroups' cpusets. */
  swapCpuset: (cgroup: string, other: string): Op => ({ op: 'swap_cpuset', cgroup, other }),
  /** Start another batch (default: the definition's worker count). */
  spawn: (cgroup: string, count?: number): Op => ({ op: 'spawn', cgroup, count }),
  /** Stop its newest `count` running workers, or all of them. */
  stop: (cgroup: string, count: number | 'all' = 'all'): Op => ({ op: 'stop', cgroup, count }),
  /** sched_setaffinity of every running worker ('all': every CPU). */
  setAffinity: (cgroup: string, cpus: CpusetSpec | 'all'): Op => ({ op: 'set_affinity', cgroup, cpus }),
  /** Move its running workers into another present cgroup. */
  move: (cgroup: string, to: string): Op => ({ op: 'move', cgroup, to }),
};
