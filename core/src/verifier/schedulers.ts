/**
 * Which schedulers `ktstr verifier` loads and on what shape: the ones named (scx-ktstr or a path
 * to a loader), the fixture when none is, each on the topology asked for, else its own, else
 * 1n2l2c1t. The kernel's own scheduler has no BPF to verify and is refused.
 */
import type { SchedulerDecl } from '../api/declare-scheduler.js';
import { KtstrError } from '../errors.js';
import { SCX_KTSTR } from '../fixture.js';
import { schedulerFromArg } from '../scenario/run-named.js';
import type { Topology } from '../topology/topology.js';
import { parseTopologyArg } from '../topology/topology-arg.js';

const DEFAULT_TOPOLOGY: Topology = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };

export function verifierSchedulers(args: readonly string[]): SchedulerDecl[] {
  if (args.length === 0) return [SCX_KTSTR];
  return args.map((a) => {
    const decl = schedulerFromArg(a);
    if (!decl) throw new KtstrError('--scheduler', a, 'is the kernel\'s own scheduler, which has no BPF programs to verify', 'Name scx-ktstr or the path of a sched_ext scheduler\'s loader.');
    return decl;
  });
}

export function verifierTopology(decl: SchedulerDecl, arg: string | undefined): Topology {
  return arg ? parseTopologyArg(arg) : (decl.topology ?? DEFAULT_TOPOLOGY);
}
