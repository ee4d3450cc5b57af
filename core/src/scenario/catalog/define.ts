/**
 * How a catalog group is written: each entry has a one-line description, optional topology
 * requirements, and a builder of cgroups and steps taking options. `defineGroup` turns the
 * entries into functions returning complete Scenarios named `group/entry-name`.
 */
import type { CgroupDef } from '../cgroup.js';
import type { HoldSpec } from '../hold.js';
import { op, type Op } from '../ops.js';
import type { Scenario, ScenarioRequires, Step } from '../scenario.js';

export const SCENARIO_GROUPS = ['basic', 'cpuset', 'dynamic', 'stress', 'interaction', 'affinity', 'nested', 'performance'] as const;
export type ScenarioGroup = (typeof SCENARIO_GROUPS)[number];

/** Options every canned scenario accepts; entries may add their own. */
export interface CommonOptions {
  /** Workers per cgroup (each entry has its own default, usually 2). */
  workers?: number;
  /** Seed for random affinities. */
  seed?: number;
}

interface EntryDef<O extends CommonOptions> {
  description: string;
  requires?: ScenarioRequires;
  build: (o: O) => { cgroups: CgroupDef[]; steps: Step[] };
}

export type ScenarioFn<O extends CommonOptions = CommonOptions> = ((options?: O) => Scenario) & { readonly description: string; readonly requires?: ScenarioRequires };

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function defineGroup<T extends Record<string, EntryDef<any>>>(group: ScenarioGroup, defs: T): { [K in keyof T]: ScenarioFn<Parameters<T[K]['build']>[0]> } {
  const out: Record<string, ScenarioFn> = {};
  for (const [key, def] of Object.entries(defs)) {
    const fn = (options: CommonOptions = {}): Scenario => {
      const { cgroups, steps } = def.build(options);
      const s: Scenario = { name: `${group}/${kebab(key)}`, description: def.description, cgroups, steps };
      if (def.requires) s.requires = { ...def.requires };
      if (options.seed !== undefined) s.seed = options.seed;
      return s;
    };
    out[key] = Object.assign(fn, { description: def.description, ...(def.requires ? { requires: def.requires } : {}) });
  }
  return out as { [K in keyof T]: ScenarioFn<Parameters<T[K]['build']>[0]> };
}

/** One step named `run` that adds every cgroup and holds. */
export function oneStep(cgroups: CgroupDef[], hold: HoldSpec): { cgroups: CgroupDef[]; steps: Step[] } {
  return { cgroups, steps: [{ name: 'run', ops: addAll(cgroups), hold }] };
}

/** `op.add` of every cgroup that defines workers (parents are created as needed). */
export function addAll(cgroups: CgroupDef[]): Op[] {
  return cgroups.filter((c) => c.workers !== undefined).map((c) => op.add(c.name));
}
