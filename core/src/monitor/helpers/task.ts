/**
 * Tasks (struct task_struct): the identity the monitor reports for a CPU's current task. pid is
 * the kernel's per-thread id (what /proc/<pid>/task shows), comm the 16-byte command name.
 */
import type { KObject } from '../object.js';
import { Unavailable } from '../unavailable.js';

export interface TaskIdentity {
  pid: number | Unavailable;
  comm: string | Unavailable;
}

/** pid and comm of a task, given a `struct task_struct` object or a pointer to one. */
export function readTask(task: KObject | Unavailable): TaskIdentity {
  const t = task instanceof Unavailable || task.type.kind !== 'PTR' ? task : task.deref();
  if (t instanceof Unavailable) return { pid: t, comm: t };
  const pid = t.readMember('pid');
  const comm = t.member('comm');
  return {
    pid: typeof pid === 'bigint' ? Number(pid) : pid,
    comm: comm instanceof Unavailable ? comm : comm.readString(),
  };
}
