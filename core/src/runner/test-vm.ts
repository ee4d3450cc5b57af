/**
 * The VM a `ktstrTest` body receives. It boots on first use, after the scenario it is asked to
 * run has been validated against the cell's topology, so a bad scenario fails before any VM
 * starts (with the path of its bad field) instead of after a boot it could not use.
 */
import { CellVm, SchedulerExitError, type CellPlan, type CommandResult, type CommandSpec, type RunOptions } from './cell-vm.js';
import type { CellResult } from '../result/cell-result.js';
import type { CgroupDef } from '../scenario/cgroup.js';
import type { HoldSpec } from '../scenario/hold.js';
import { oneStepScenario } from '../scenario/one-step.js';
import type { Scenario } from '../scenario/scenario.js';
import { validateScenario } from '../scenario/validate.js';
import type { ResolvedThreshold } from '../api/thresholds.js';

export class TestVm {
  private booted: CellVm | undefined;
  private booting: Promise<CellVm> | undefined;
  private destroyed = false;

  /** `thresholds`: the test's and its scheduler's, resolved; every result carries them for `r.expect`. */
  constructor(readonly plan: CellPlan, readonly thresholds: readonly ResolvedThreshold[] = []) {}

  /** Boots now (a body that wants the guest's hello before running anything). */
  async boot(): Promise<CellVm> {
    if (this.destroyed) throw new Error(`${this.plan.name}: this cell's VM was already torn down`);
    this.booting ??= CellVm.boot(this.plan).then((vm) => (this.booted = vm));
    return this.booting;
  }

  /** The booted VM; undefined until the body ran something (or called boot()). */
  get vm(): CellVm | undefined {
    return this.booted;
  }

  /** Every cgroup for one hold, as a one-step scenario. */
  run(cgroups: readonly CgroupDef[], hold: HoldSpec, options: RunOptions = {}): Promise<CellResult> {
    return this.runScenario(oneStepScenario(cgroups, hold), options);
  }

  async runScenario(scenario: Scenario, options: RunOptions = {}): Promise<CellResult> {
    validateScenario(scenario, this.plan.topology, { durationMs: this.plan.durationMs });
    const vm = await this.boot();
    const started = performance.now();
    try {
      this.lastResult = await vm.runScenario(scenario, options);
      this.lastResult.thresholds = this.thresholds;
      return this.lastResult;
    } catch (e) {
      // A scheduler exit still measured what ran until then; the cell's record keeps it.
      if (e instanceof SchedulerExitError) this.lastResult = Object.assign(e.result, { thresholds: this.thresholds });
      throw e;
    } finally {
      this.scenarioMs = performance.now() - started;
    }
  }

  /** The result of the scenario this VM ran, for the cell's record; undefined if none finished. */
  lastResult: CellResult | undefined;
  /** Host wall time of the scenario: from sending it to the guest's power-off. */
  scenarioMs: number | undefined;

  async runCommand(command: CommandSpec, onOutput?: (stream: 'stdout' | 'stderr', data: string) => void): Promise<CommandResult> {
    return (await this.boot()).runCommand(command, onOutput);
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    const vm = await this.booting?.catch(() => undefined);
    await vm?.destroy();
  }
}
