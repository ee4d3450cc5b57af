/**
 * The catalog of canned scenarios, one module per group: `scenarios.cpuset.disjoint()`.
 * `ktstr scenarios --list` and `ktstr test --scenario group/name` read it through
 * catalogEntries() and findScenario().
 */
import type { Scenario, ScenarioRequires } from '../scenario.js';
import { affinityScenarios } from './affinity.js';
import { basicScenarios } from './basic.js';
import { cpusetScenarios } from './cpuset.js';
import { SCENARIO_GROUPS, type ScenarioFn, type ScenarioGroup } from './define.js';
import { dynamicScenarios } from './dynamic.js';
import { interactionScenarios } from './interaction.js';
import { nestedScenarios } from './nested.js';
import { performanceScenarios } from './performance.js';
import { stressScenarios } from './stress.js';

export { SCENARIO_GROUPS, type ScenarioGroup, type ScenarioFn, type CommonOptions } from './define.js';

export const scenarios = {
  basic: basicScenarios,
  cpuset: cpusetScenarios,
  dynamic: dynamicScenarios,
  stress: stressScenarios,
  interaction: interactionScenarios,
  affinity: affinityScenarios,
  nested: nestedScenarios,
  performance: performanceScenarios,
} as const satisfies Record<ScenarioGroup, Record<string, ScenarioFn>>;

export interface CatalogEntry {
  group: ScenarioGroup;
  /** `group/name`, as `ktstr test --scenario` takes it. */
  id: string;
  name: string;
  description: string;
  requires?: ScenarioRequires;
  build: (options?: { workers?: number; seed?: number }) => Scenario;
}

/** Every canned scenario, group by group. */
export function catalogEntries(): CatalogEntry[] {
  return SCENARIO_GROUPS.flatMap((group) => Object.values(scenarios[group] as Record<string, ScenarioFn>).map((fn) => {
    const s = fn();
    const e: CatalogEntry = { group, id: s.name, name: s.name.slice(group.length + 1), description: fn.description, build: fn };
    if (fn.requires) e.requires = fn.requires;
    return e;
  }));
}

/** The entry for `group/name`, or undefined. */
export function findScenario(id: string): CatalogEntry | undefined {
  return catalogEntries().find((e) => e.id === id);
}

/** The catalog as a Markdown table (docs/scenarios.md is generated from it). */
export function catalogMarkdown(): string {
  const req = (r: ScenarioRequires | undefined) =>
    r ? Object.entries(r).map(([k, v]) => (v === true ? k : `${k} ${String(v)}`)).join(', ') : '';
  const rows = catalogEntries().map((e) => `| \`${e.id}\` | ${e.description} | ${req(e.requires)} |`);
  return ['| scenario | what it does | requires |', '|---|---|---|', ...rows, ''].join('\n');
}
