/**
 * Whether a test's scenario fits a topology, found without booting: the test's body runs
 * against a stand-in VM whose `run`/`runScenario` validate the scenario on that topology (the
 * check a real cell makes before its VM boots) and then stop the body. So "every planned cell
 * can run its scenario" can be checked for a whole gauntlet in a second.
 *
 * A body that does something else first (a command, a shell) cannot be judged this way: its
 * verdict is 'unknown', never a pass.
 */
import type { Topology } from '../topology/topology.js';
import type { CgroupDef } from '../scenario/cgroup.js';
import type { HoldSpec } from '../scenario/hold.js';
import { oneStepScenario } from '../scenario/one-step.js';
import type { Scenario } from '../scenario/scenario.js';
import { validateScenario } from '../scenario/validate.js';
import { isScenarioDoesNotFit } from '../scenario/does-not-fit.js';
import type { TestGates } from './gates.js';

export type ProbeVerdict =
  | { verdict: 'fits' }
  | { verdict: 'does-not-fit'; gate: TestGates; message: string }
  | { verdict: 'invalid'; message: string }
  | { verdict: 'unknown'; message: string };

class Stop extends Error {}

export async function probeScenario(body: (vm: never) => Promise<void>, topology: Topology, durationMs: number): Promise<ProbeVerdict> {
  let checked = false;
  const runScenario = async (s: Scenario): Promise<never> => {
    validateScenario(s, topology, { durationMs });
    checked = true;
    throw new Stop();
  };
  const unknown = (what: string) => async (): Promise<never> => {
    throw new Stop(`the body calls ${what} before any scenario, which only a real VM can answer`);
  };
  const vm = {
    plan: { topology, durationMs },
    run: (cgroups: readonly CgroupDef[], hold: HoldSpec) => runScenario(oneStepScenario(cgroups, hold)),
    runScenario,
    boot: unknown('vm.boot()'),
    runCommand: unknown('vm.runCommand()'),
    destroy: async () => {},
    get vm() {
      return undefined;
    },
  };
  try {
    await body(vm as never);
  } catch (e) {
    if (e instanceof Stop) return checked ? { verdict: 'fits' } : { verdict: 'unknown', message: e.message };
    if (isScenarioDoesNotFit(e)) return { verdict: 'does-not-fit', gate: { ...e.gate }, message: e.message };
    return { verdict: 'invalid', message: (e as Error).message };
  }
  return { verdict: 'unknown', message: 'the body ran no scenario' };
}
