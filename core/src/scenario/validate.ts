/**
 * The one check of a scenario against a topology: every field, every op in step order, every
 * topology-relative cpuset and affinity resolved to CPU numbers. Pure (no I/O), so the language
 * server imports it to check scenario literals as they are typed. A bad field throws a
 * KtstrError whose field is its path, e.g.
 * `steps[2].ops[0].cpuset: LLC 3 does not exist on tiny-2llc (2 LLCs)`.
 */
import { KtstrError } from '../errors.js';
import { type Topology, topologyLayout, totalCpus } from '../topology/topology.js';
import { formatCpulist } from '../topology/cpulist.js';
import { resolveAffinity, type ResolvedAffinity } from './affinity.js';
import type { CgroupDef, CloneMode } from './cgroup.js';
import { resolveCpuset } from './cpuset.js';
import { gateText, ScenarioDoesNotFitError } from './does-not-fit.js';
import type { TestGates } from '../gauntlet/gates.js';
import { resolveHold } from './hold.js';
import type { Op } from './ops.js';
import type { SchedPolicy } from './policy.js';
import type { Scenario, ScenarioRequires } from './scenario.js';
import { topologyName } from './topology-name.js';
import { checkWorkSpec, type WorkSpec } from './work.js';

export const MAX_WORKERS_ALIVE = 1024;
export const MAX_WORKERS_PER_RUN = 4096;
const COMPONENT = /^[A-Za-z0-9_-]{1,64}$/;
const STEP_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const COMM = /^[^\s]{1,15}$/;

export interface ResolvedCgroup {
  name: string;
  cpus?: number[];
  weight?: number;
  workers?: number;
  work?: WorkSpec;
  comm?: string;
  pcomm?: string;
  clone: CloneMode;
  nice?: number;
  policy?: SchedPolicy;
  affinity: ResolvedAffinity;
}

export interface ResolvedOp {
  op: Op['op'];
  cgroup: string;
  /** The rest of the wire line after `op <name> <cgroup>`, if any. */
  arg?: string;
}

export interface ResolvedStep {
  name: string;
  ops: ResolvedOp[];
  holdMs: number;
  loopMs?: number;
}

export interface ResolvedScenario {
  name: string;
  cgroups: ResolvedCgroup[];
  steps: ResolvedStep[];
  /** Sum of the holds: how long the run lasts. */
  totalHoldMs: number;
}

export interface ValidateOptions {
  /** What hold.fraction(1) means (the test's durationMs); default 2000. */
  durationMs?: number;
}

/** Why `requires` rules the topology out, or undefined when it allows it. */
export function unmetRequirement(req: ScenarioRequires | undefined, t: Topology): { field: string; problem: string } | undefined {
  if (!req) return undefined;
  const name = topologyName(t);
  if (req.minLlcs !== undefined && t.llcs < req.minLlcs) return { field: 'requires.minLlcs', problem: `needs ${req.minLlcs} LLCs; ${name} has ${t.llcs}` };
  if (req.minCpus !== undefined && totalCpus(t) < req.minCpus) return { field: 'requires.minCpus', problem: `needs ${req.minCpus} CPUs; ${name} has ${totalCpus(t)}` };
  if (req.minNumaNodes !== undefined && t.numaNodes < req.minNumaNodes) return { field: 'requires.minNumaNodes', problem: `needs ${req.minNumaNodes} NUMA nodes; ${name} has ${t.numaNodes}` };
  if (req.smt && t.threadsPerCore < 2) return { field: 'requires.smt', problem: `needs SMT; ${name} has 1 thread per core` };
  return undefined;
}

/** The test gate matching an unmet `requires.*` field: the same bound, under the gate's name. */
function requirementGate(field: string, req: ScenarioRequires): TestGates {
  switch (field) {
    case 'requires.minLlcs': return { minLlcs: req.minLlcs! };
    case 'requires.minCpus': return { minCpus: req.minCpus! };
    case 'requires.minNumaNodes': return { minNumaNodes: req.minNumaNodes! };
    default: return { requiresSmt: true };
  }
}

const isInt = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

function checkCgroupName(name: unknown, field: string): asserts name is string {
  const parts = typeof name === 'string' ? name.split('/') : [];
  if (parts.length < 1 || parts.length > 4 || !parts.every((p) => COMPONENT.test(p))) {
    throw new KtstrError(field, name, 'is not a valid cgroup name', 'Use 1-4 components of 1-64 letters, digits, _ or -, joined by / (e.g. "parent/child").');
  }
}

function resolveCgroup(cg: CgroupDef, i: number, t: Topology, seed: number, cpusetOf: (n: string) => number[] | undefined): ResolvedCgroup {
  const at = `cgroups[${i}]`;
  if (typeof cg !== 'object' || cg === null) throw new KtstrError(at, cg, 'is not a cgroup definition', 'Use cgroup(name, { workers, work, ... }).');
  const known = new Set(['name', 'cpuset', 'weight', 'workers', 'work', 'comm', 'pcomm', 'clone', 'nice', 'policy', 'affinity']);
  for (const k of Object.keys(cg)) {
    if (!known.has(k)) throw new KtstrError(`${at}.${k}`, (cg as unknown as Record<string, unknown>)[k], 'is not a cgroup field', `Use only ${[...known].join(', ')}.`);
  }
  const out: ResolvedCgroup = { name: cg.name, clone: 'fork', affinity: null };
  if (cg.cpuset !== undefined) out.cpus = resolveCpuset(cg.cpuset, t, `${at}.cpuset`);
  if (cg.weight !== undefined) {
    if (!isInt(cg.weight, 1, 10000)) throw new KtstrError(`${at}.weight`, cg.weight, 'must be a whole number from 1 to 10000', '100 is the kernel default cpu.weight.');
    out.weight = cg.weight;
  }
  if ((cg.workers === undefined) !== (cg.work === undefined)) {
    const missing = cg.workers === undefined ? 'workers' : 'work';
    throw new KtstrError(`${at}.${missing}`, undefined, `is missing (a cgroup with ${missing === 'workers' ? 'work' : 'workers'} needs both)`,
      'Give both workers and work, or neither for a pure parent.');
  }
  if (cg.workers !== undefined) {
    if (!isInt(cg.workers, 1, MAX_WORKERS_ALIVE)) throw new KtstrError(`${at}.workers`, cg.workers, `must be a whole number from 1 to ${MAX_WORKERS_ALIVE}`, 'Set workers accordingly.');
    checkWorkSpec(cg.work, `${at}.work`);
    out.workers = cg.workers;
    out.work = cg.work;
  } else {
    for (const k of ['comm', 'pcomm', 'clone', 'nice', 'policy', 'affinity'] as const) {
      if (cg[k] !== undefined) throw new KtstrError(`${at}.${k}`, cg[k], 'is set on a cgroup without workers', 'Give it workers and work, or drop the field.');
    }
  }
  if (cg.comm !== undefined) {
    if (typeof cg.comm !== 'string' || !COMM.test(cg.comm)) throw new KtstrError(`${at}.comm`, cg.comm, 'must be 1-15 characters without spaces', 'The kernel keeps 15 bytes of task->comm.');
    out.comm = cg.comm;
  }
  if (cg.clone !== undefined && cg.clone !== 'fork' && cg.clone !== 'thread') {
    throw new KtstrError(`${at}.clone`, cg.clone, "must be 'fork' or 'thread'", "Use clone: 'thread' for workers that are threads of one process.");
  }
  out.clone = cg.clone ?? 'fork';
  if (cg.pcomm !== undefined) {
    if (typeof cg.pcomm !== 'string' || !COMM.test(cg.pcomm)) throw new KtstrError(`${at}.pcomm`, cg.pcomm, 'must be 1-15 characters without spaces', 'The kernel keeps 15 bytes of task->comm.');
    if (cg.clone === 'fork') throw new KtstrError(`${at}.clone`, cg.clone, 'contradicts pcomm (a process name for threads)', "Drop clone, or set clone: 'thread'.");
    out.pcomm = cg.pcomm;
    out.clone = 'thread';
  }
  if (cg.nice !== undefined) {
    if (!isInt(cg.nice, -20, 19)) throw new KtstrError(`${at}.nice`, cg.nice, 'must be from -20 to 19', 'Use a Linux nice value.');
    out.nice = cg.nice;
  }
  if (cg.policy !== undefined) {
    const p = cg.policy as SchedPolicy;
    const kinds = ['normal', 'batch', 'idle', 'fifo', 'rr'];
    if (typeof p !== 'object' || p === null || !kinds.includes(p.kind)) {
      throw new KtstrError(`${at}.policy`, p, 'is not a scheduling policy', 'Use policy.normal(), .batch(), .idle(), .fifo(prio) or .roundRobin(prio).');
    }
    if ((p.kind === 'fifo' || p.kind === 'rr') && !isInt(p.priority, 1, 99)) {
      throw new KtstrError(`${at}.policy.priority`, p.priority, 'must be from 1 to 99', 'RT priorities are 1 (lowest) to 99.');
    }
    out.policy = p;
  }
  if (cg.affinity !== undefined && out.workers !== undefined) {
    const base = out.cpus ?? topologyLayout(t).llcCpus.flat();
    out.affinity = resolveAffinity(cg.affinity, { topology: t, base, workers: out.workers, seed, cgroupName: cg.name, cpusetOf }, `${at}.affinity`);
  }
  return out;
}

/** Where each cgroup stands while the ops are replayed in order (the agent plays the same rules). */
class PresenceTracker {
  private readonly alive = new Map<string, number>();
  totalStarted = 0;

  constructor(private readonly defs: Map<string, ResolvedCgroup>) {}

  present(name: string): boolean {
    return this.alive.has(name);
  }

  private aliveTotal(): number {
    return [...this.alive.values()].reduce((a, b) => a + b, 0);
  }

  private start(name: string, n: number, field: string): void {
    this.totalStarted += n;
    this.alive.set(name, (this.alive.get(name) ?? 0) + n);
    if (this.aliveTotal() > MAX_WORKERS_ALIVE) throw new KtstrError(field, n, `would make ${this.aliveTotal()} workers alive at once (at most ${MAX_WORKERS_ALIVE})`, 'Stop workers first, or start fewer.');
    if (this.totalStarted > MAX_WORKERS_PER_RUN) throw new KtstrError(field, n, `would start worker number ${this.totalStarted} of the run (at most ${MAX_WORKERS_PER_RUN})`, 'Start fewer workers over the scenario.');
  }

  apply(o: Op, field: string): void {
    const def = (name: string, f: string) => {
      const d = this.defs.get(name);
      if (!d) throw new KtstrError(f, name, 'is not a defined cgroup', `Define it in cgroups (defined: ${[...this.defs.keys()].join(', ') || 'none'}).`);
      return d;
    };
    const mustBePresent = (name: string, f: string) => {
      def(name, f);
      if (!this.present(name)) throw new KtstrError(f, name, `is not present at this point (${o.op} needs it added and not removed)`, `Add it with op.add(${JSON.stringify(name)}) in an earlier op or step.`);
    };
    switch (o.op) {
      case 'add': {
        const d = def(o.cgroup, `${field}.cgroup`);
        if (this.present(o.cgroup)) throw new KtstrError(`${field}.cgroup`, o.cgroup, 'is already present', 'Remove it first, or spawn more workers into it.');
        // Workers only run in leaves: nothing with workers above or below another present cgroup.
        for (const n of this.alive.keys()) {
          if (n.startsWith(`${o.cgroup}/`) && d.workers !== undefined) {
            throw new KtstrError(`${field}.cgroup`, o.cgroup, `has workers and ${n} below it is present`, 'Workers may only be in leaf cgroups; give the parent no workers.');
          }
          if (o.cgroup.startsWith(`${n}/`) && (this.defs.get(n)?.workers !== undefined || (this.alive.get(n) ?? 0) > 0)) {
            throw new KtstrError(`${field}.cgroup`, o.cgroup, `would nest under ${n}, which has workers`, 'Workers may only be in leaf cgroups; give the parent no workers.');
          }
        }
        this.alive.set(o.cgroup, 0);
        if (d.workers !== undefined) this.start(o.cgroup, d.workers, `${field}.cgroup`);
        return;
      }
      case 'remove':
        mustBePresent(o.cgroup, `${field}.cgroup`);
        for (const n of [...this.alive.keys()]) if (n === o.cgroup || n.startsWith(`${o.cgroup}/`)) this.alive.delete(n);
        return;
      case 'set_cpuset':
      case 'clear_cpuset':
      case 'set_affinity':
        mustBePresent(o.cgroup, `${field}.cgroup`);
        return;
      case 'swap_cpuset':
        mustBePresent(o.cgroup, `${field}.cgroup`);
        mustBePresent(o.other, `${field}.other`);
        if (o.other === o.cgroup) throw new KtstrError(`${field}.other`, o.other, 'is the same cgroup', 'Swap two different cgroups.');
        return;
      case 'spawn': {
        mustBePresent(o.cgroup, `${field}.cgroup`);
        const d = this.defs.get(o.cgroup)!;
        if (d.workers === undefined) throw new KtstrError(`${field}.cgroup`, o.cgroup, 'defines no workers to spawn', 'Give its definition workers and work.');
        const n = o.count ?? d.workers;
        if (!isInt(n, 1, 1024)) throw new KtstrError(`${field}.count`, n, 'must be a whole number from 1 to 1024', 'Spawn fewer workers.');
        this.start(o.cgroup, n, `${field}.count`);
        return;
      }
      case 'stop': {
        mustBePresent(o.cgroup, `${field}.cgroup`);
        if (o.count !== 'all' && !isInt(o.count, 1, 1024)) throw new KtstrError(`${field}.count`, o.count, "must be 1..1024 or 'all'", 'E.g. op.stop("a", 2).');
        const now = this.alive.get(o.cgroup) ?? 0;
        if (o.count !== 'all' && o.count > now) throw new KtstrError(`${field}.count`, o.count, `is more than the ${now} workers of ${o.cgroup} running here`, `Stop at most ${now}, or 'all'.`);
        this.alive.set(o.cgroup, o.count === 'all' ? 0 : now - o.count);
        return;
      }
      case 'move': {
        mustBePresent(o.cgroup, `${field}.cgroup`);
        mustBePresent(o.to, `${field}.to`);
        if (o.to === o.cgroup) throw new KtstrError(`${field}.to`, o.to, 'is the same cgroup', 'Move workers to another cgroup.');
        if ([...this.alive.keys()].some((n) => n.startsWith(`${o.to}/`))) throw new KtstrError(`${field}.to`, o.to, 'has child cgroups; workers may only be in leaves', 'Move them to a leaf cgroup.');
        this.alive.set(o.to, (this.alive.get(o.to) ?? 0) + (this.alive.get(o.cgroup) ?? 0));
        this.alive.set(o.cgroup, 0);
        return;
      }
      default:
        throw new KtstrError(`${field}.op`, (o as { op?: unknown }).op, 'is not an op', 'Build ops with op.add(...), op.setCpuset(...), ...');
    }
  }
}

function opArg(o: Op, t: Topology, field: string): string | undefined {
  switch (o.op) {
    case 'set_cpuset':
      return formatCpulist(resolveCpuset(o.cpuset, t, `${field}.cpuset`));
    case 'swap_cpuset':
      return o.other;
    case 'spawn':
      return o.count === undefined ? undefined : String(o.count);
    case 'stop':
      return String(o.count);
    case 'set_affinity':
      return o.cpus === 'all' ? 'all' : formatCpulist(resolveCpuset(o.cpus, t, `${field}.cpus`));
    case 'move':
      return o.to;
    default:
      return undefined;
  }
}

export function validateScenario(s: Scenario, t: Topology, options: ValidateOptions = {}): ResolvedScenario {
  const durationMs = options.durationMs ?? 2000;
  if (typeof s !== 'object' || s === null) throw new KtstrError('scenario', s, 'is not a scenario', 'Build one with scenario({ name, cgroups, steps }).');
  const unmet = unmetRequirement(s.requires, t);
  if (unmet) {
    const gate = requirementGate(unmet.field, s.requires!);
    throw new ScenarioDoesNotFitError(unmet.field, s.requires, unmet.problem,
      `Run it on a topology that has it (see ktstr presets), or relax requires; a test running it takes the gate ${gateText(gate)}.`, gate, topologyName(t));
  }
  if (!Array.isArray(s.cgroups)) throw new KtstrError('cgroups', s.cgroups, 'is not a list', 'Give cgroups: [cgroup(...), ...].');
  if (!Array.isArray(s.steps) || s.steps.length === 0) throw new KtstrError('steps', s.steps, 'is empty', 'Give at least one step(name, [op.add(...)], hold).');
  const seed = s.seed ?? 1;
  if (!isInt(seed, 0, 2 ** 32 - 1)) throw new KtstrError('seed', seed, 'must be a whole number from 0 to 2^32-1', 'E.g. seed: 42.');

  const seen = new Map<string, number>();
  s.cgroups.forEach((cg, i) => {
    checkCgroupName(cg?.name, `cgroups[${i}].name`);
    if (seen.has(cg.name)) throw new KtstrError(`cgroups[${i}].name`, cg.name, `is used twice (also cgroups[${seen.get(cg.name)}])`, 'Give every cgroup its own name.');
    seen.set(cg.name, i);
  });
  // Cpusets first, so crossCgroup affinities can refer to any cgroup regardless of order.
  const cpusets = new Map<string, number[]>();
  s.cgroups.forEach((cg, i) => {
    if (cg.cpuset !== undefined) cpusets.set(cg.name, resolveCpuset(cg.cpuset, t, `cgroups[${i}].cpuset`));
  });
  const cgroups = s.cgroups.map((cg, i) => resolveCgroup(cg, i, t, seed, (n) => cpusets.get(n)));
  const defs = new Map(cgroups.map((c) => [c.name, c]));

  const tracker = new PresenceTracker(defs);
  const stepNames = new Map<string, number>();
  const steps = s.steps.map((st, si): ResolvedStep => {
    const at = `steps[${si}]`;
    if (typeof st?.name !== 'string' || !STEP_NAME.test(st.name)) throw new KtstrError(`${at}.name`, st?.name, 'is not a valid step name', 'Use 1-64 letters, digits, _, . or -.');
    if (stepNames.has(st.name)) throw new KtstrError(`${at}.name`, st.name, `is used twice (also steps[${stepNames.get(st.name)}])`, 'Give every step its own name: assertions refer to steps by name.');
    stepNames.set(st.name, si);
    if (!Array.isArray(st.ops)) throw new KtstrError(`${at}.ops`, st.ops, 'is not a list', 'Give ops: [] or a list of op.*(...).');
    const { holdMs, loopMs } = resolveHold(st.hold, durationMs, `${at}.hold`);
    if (loopMs !== undefined && st.ops.length === 0) throw new KtstrError(`${at}.hold`, st.hold, 'loops a step without ops', 'Give the step ops to re-apply, or use a plain hold.');
    const ops = st.ops.map((o, oi): ResolvedOp => {
      const field = `${at}.ops[${oi}]`;
      if (typeof o !== 'object' || o === null) throw new KtstrError(field, o, 'is not an op', 'Build ops with op.add(...), op.setCpuset(...), ...');
      // Re-applying these on a clock would change which cgroups and workers exist in ways no
      // check before the run could follow; the agent refuses them too.
      if (loopMs !== undefined && ['add', 'remove', 'spawn', 'stop'].includes(o.op)) {
        throw new KtstrError(`${field}.op`, o.op, 'cannot be re-applied in a looped step', 'Loop only set_cpuset, clear_cpuset, swap_cpuset, set_affinity and move; put the rest in a plain step before it.');
      }
      const arg = opArg(o, t, field);
      tracker.apply(o, field);
      return arg === undefined ? { op: o.op, cgroup: o.cgroup } : { op: o.op, cgroup: o.cgroup, arg };
    });
    return loopMs === undefined ? { name: st.name, ops, holdMs } : { name: st.name, ops, holdMs, loopMs };
  });
  if (tracker.totalStarted === 0) throw new KtstrError('steps', s.steps.length, 'never start a worker', 'Add a cgroup with workers in some step: op.add(name).');
  return { name: String(s.name), cgroups, steps, totalHoldMs: steps.reduce((a, b) => a + b.holdMs, 0) };
}
