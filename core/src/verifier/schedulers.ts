/**
 * Which schedulers `ktstr verifier` loads and on what shape: the ones named (scx-ktstr or a path
 * to a loader); else every sched_ext scheduler the test files declare; else the fixture — each
 * on the topology asked for, else its own, else 1n2l2c1t. The kernel's own scheduler has no BPF
 * to verify and is refused when named.
 */
import type { SchedulerDecl } from '../api/declare-scheduler.js';
import { KtstrError } from '../errors.js';
import { SCX_KTSTR } from '../fixture.js';
import { schedulerFromArg } from '../scenario/run-named.js';
import type { Topology } from '../topology/topology.js';
import type { DeclaredTest } from '../gauntlet/plan.js';
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

/**
 * The distinct schedulers declared by discovered tests, in first-seen order. Two declarations
 * are the same scheduler when they load the same binary with the same arguments and config
 * (the verifier's work depends on nothing else); the kernel's own scheduler has no declaration.
 */
export function declaredSchedulers(tests: readonly DeclaredTest[]): SchedulerDecl[] {
  const seen = new Map<string, SchedulerDecl>();
  for (const t of tests) {
    const d = t.schedulerDecl;
    if (!d) continue;
    const key = JSON.stringify([d.binary, d.schedArgs, d.configFile ?? null]);
    if (!seen.has(key)) seen.set(key, d);
  }
  return [...seen.values()];
}
