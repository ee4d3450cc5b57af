/**
 * The cpuset each cgroup's workers were confined to during each step, as the scenario declared
 * it and resolved on the cell's topology: the definition's cpuset from `add`, then whatever
 * set/clear/swap ops changed. Computed on the host from the scenario (the guest never reports
 * cpusets), so `ranOnlyOnItsCpuset` can judge a step against the cpuset in force in it.
 *
 * Where the scenario does not pin one answer, the answer is every possibility, so a correct
 * placement never fails: a looped step re-applies its ops an untimed number of times (a looped
 * swap leaves either cpuset in place, in that step and after it), and a cgroup whose workers
 * were moved may have them in the cgroup they moved to.
 */
import type { Topology } from '../topology/topology.js';
import { topologyLayout } from '../topology/topology.js';
import { resolveCpuset } from '../scenario/cpuset.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Op } from '../scenario/ops.js';
import { cpusetLabel } from './cpuset-label.js';

/** One cgroup's cpuset in a step: what the scenario wrote and the CPUs it is on this topology. */
export interface CgroupCpuset {
  /** E.g. `llc(1)`, `all CPUs`, or `disjoint(0, 2) or disjoint(1, 2)` after a looped swap. */
  spec: string;
  cpus: number[];
}

export interface StepCpusets {
  step: string;
  /** Every cgroup present in the step, by definition name. */
  cgroups: Record<string, CgroupCpuset>;
}

/** A cgroup's own cpuset.cpus: a spec, or none (it takes its parent's CPUs). */
interface Own {
  spec: string;
  cpus: number[] | null;
}

const union = (lists: readonly (readonly number[])[]) => [...new Set(lists.flat())].sort((a, b) => a - b);

function uniqueOwn(xs: readonly Own[]): Own[] {
  const seen = new Map<string, Own>();
  for (const x of xs) seen.set(`${x.spec}\u0000${x.cpus?.join(',') ?? ''}`, x);
  return [...seen.values()];
}

export function stepCpusets(s: Scenario, t: Topology): StepCpusets[] {
  const all = topologyLayout(t).llcCpus.flat();
  const defs = new Map(s.cgroups.map((c, i) => [c.name, { def: c, i }]));
  const declared = (name: string): Own => {
    const d = defs.get(name);
    return d?.def.cpuset ? { spec: cpusetLabel(d.def.cpuset), cpus: resolveCpuset(d.def.cpuset, t, `cgroups[${d.i}].cpuset`) } : { spec: '', cpus: null };
  };
  // Present cgroups -> the possible values of their own cpuset.cpus.
  let own = new Map<string, Own[]>();
  // cgroup -> cgroups its workers were moved into (their cpusets count for its workers too).
  const movedInto = new Map<string, Set<string>>();

  const apply = (o: Op, field: string) => {
    switch (o.op) {
      case 'add':
        own.set(o.cgroup, [declared(o.cgroup)]);
        return;
      case 'remove':
        for (const n of [...own.keys()]) if (n === o.cgroup || n.startsWith(`${o.cgroup}/`)) own.delete(n);
        return;
      case 'set_cpuset':
        own.set(o.cgroup, [{ spec: cpusetLabel(o.cpuset), cpus: resolveCpuset(o.cpuset, t, `${field}.cpuset`) }]);
        return;
      case 'clear_cpuset':
        own.set(o.cgroup, [{ spec: '', cpus: null }]);
        return;
      case 'swap_cpuset': {
        const a = own.get(o.cgroup) ?? [];
        own.set(o.cgroup, own.get(o.other) ?? []);
        own.set(o.other, a);
        return;
      }
      case 'move':
        for (const targets of [...movedInto.values()]) if (targets.has(o.cgroup)) targets.add(o.to);
        movedInto.set(o.cgroup, new Set([...(movedInto.get(o.cgroup) ?? []), o.to]));
        return;
      default:
        return; // spawn, stop, set_affinity: no cpuset changes
    }
  };

  // The CPUs a present cgroup's tasks may use: its own cpus within its parent's (the kernel
  // falls back to the parent's when they do not overlap), or the parent's when it has none.
  const effective = (name: string): CgroupCpuset => {
    const slash = name.lastIndexOf('/');
    const parent: CgroupCpuset = slash > 0 && own.has(name.slice(0, slash)) ? effective(name.slice(0, slash)) : { spec: 'all CPUs', cpus: all };
    const options = (own.get(name) ?? []).map((o): CgroupCpuset => {
      if (o.cpus === null) return parent;
      const within = o.cpus.filter((c) => parent.cpus.includes(c));
      return within.length ? { spec: o.spec, cpus: within } : parent;
    });
    if (options.length === 0) return parent;
    return { spec: [...new Set(options.map((o) => o.spec))].join(' or '), cpus: union(options.map((o) => o.cpus)) };
  };

  const out: StepCpusets[] = [];
  s.steps.forEach((st, si) => {
    st.ops.forEach((o, oi) => apply(o, `steps[${si}].ops[${oi}]`));
    if (st.hold.kind === 'looped') {
      // Once more, then every value either application left is possible in this step and after.
      const first = new Map([...own].map(([n, v]) => [n, [...v]]));
      st.ops.forEach((o, oi) => apply(o, `steps[${si}].ops[${oi}]`));
      const merged = new Map<string, Own[]>();
      for (const n of new Set([...first.keys(), ...own.keys()])) {
        if (own.has(n)) merged.set(n, uniqueOwn([...(first.get(n) ?? []), ...(own.get(n) ?? [])]));
      }
      own = merged;
    }
    const cgroups: Record<string, CgroupCpuset> = {};
    for (const name of own.keys()) {
      const eff = effective(name);
      const into = [...(movedInto.get(name) ?? [])].filter((n) => own.has(n)).map(effective);
      cgroups[name] = into.length === 0 ? eff : {
        spec: `${eff.spec} or, where its workers were moved, ${into.map((e) => e.spec).join(' or ')}`,
        cpus: union([eff.cpus, ...into.map((e) => e.cpus)]),
      };
    }
    out.push({ step: st.name, cgroups });
  });
  return out;
}
