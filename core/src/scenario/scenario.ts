/**
 * A scenario: cgroup definitions and a sequence of steps, each applying ops and then holding.
 * Plain data (JSON-serialisable), so the same value is validated on the host, checked by the
 * language server, sent to the guest and stored with the result.
 */
import type { CgroupDef } from './cgroup.js';
import type { HoldSpec } from './hold.js';
import type { Op } from './ops.js';

export interface Step {
  /** [A-Za-z0-9_.-]{1,64}: how results and assertions (`.inStep(name)`) refer to it. */
  name: string;
  ops: Op[];
  hold: HoldSpec;
}

/** What a topology must have for the scenario to make sense on it. */
export interface ScenarioRequires {
  minLlcs?: number;
  minCpus?: number;
  minNumaNodes?: number;
  /** The topology must have SMT siblings. */
  smt?: boolean;
}

export interface Scenario {
  name: string;
  description?: string;
  requires?: ScenarioRequires;
  cgroups: CgroupDef[];
  steps: Step[];
  /** Seeds random affinity subsets; the same seed gives the same cell (default 1). */
  seed?: number;
}

export function step(name: string, ops: Op[], hold: HoldSpec): Step {
  return { name, ops, hold };
}

export function scenario(s: Scenario): Scenario {
  return s;
}
