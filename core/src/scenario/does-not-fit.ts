/**
 * A scenario (or an assertion about one) that asks a topology for something it does not have:
 * LLC 1 on a one-LLC machine, NUMA node 1 on one node, more parts than CPUs. That is an
 * authoring mistake of the test, not a scheduler failure, and it has one fix: a gate on the test
 * so the gauntlet never plans the cell. The error carries that gate, so a run can group every
 * such cell under one heading with the gate to add instead of listing N failures.
 */
import { KtstrError } from '../errors.js';
import type { TestGates } from '../gauntlet/gates.js';

export const SCENARIO_DOES_NOT_FIT = 'scenario-does-not-fit';

export class ScenarioDoesNotFitError extends KtstrError {
  readonly kind = SCENARIO_DOES_NOT_FIT;

  constructor(field: string, value: unknown, readonly problem: string, remedy: string, readonly gate: TestGates, readonly topology: string) {
    // The name stays KtstrError: messages (and the editor's diagnostics) read the same as every
    // other validation error; callers tell this one apart by `kind`.
    super(field, value, problem, remedy);
  }
}

/** Whether `e` is a does-not-fit error, also when it comes from another copy of this module. */
export function isScenarioDoesNotFit(e: unknown): e is ScenarioDoesNotFitError {
  return e instanceof ScenarioDoesNotFitError
    || (e instanceof Error && (e as { kind?: unknown }).kind === SCENARIO_DOES_NOT_FIT && typeof (e as { gate?: unknown }).gate === 'object');
}

/** A gate as the `ktstrTest` option literal to add, e.g. `{ minLlcs: 2 }`. */
export function gateText(gate: TestGates): string {
  return `{ ${Object.entries(gate).map(([k, v]) => `${k}: ${String(v)}`).join(', ')} }`;
}
