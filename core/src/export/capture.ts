/**
 * What `ktstr export` takes from a test body without booting: the body runs against a
 * stand-in VM. Its scenario is validated and resolved on the exported topology and encoded as
 * the cell the agent reads (exactly what the cell would send), and the result it gets back is
 * a stand-in whose `expect` records the assertions (recorded-checks.ts). The same stand-in,
 * given the messages of a run on the target, replays the body for real (`--verify`).
 */
import type { Topology } from '../topology/topology.js';
import type { CgroupDef } from '../scenario/cgroup.js';
import type { HoldSpec } from '../scenario/hold.js';
import { oneStepScenario } from '../scenario/one-step.js';
import type { Scenario } from '../scenario/scenario.js';
import { validateScenario } from '../scenario/validate.js';
import { encodeScenarioCell, type CellHeader } from '../scenario/encode.js';
import { stepCpusets, type StepCpusets } from '../result/step-cpusets.js';
import { analyzeMessages } from '../result/scenario-analysis.js';
import { CellResult, schedulerExitFrom } from '../result/cell-result.js';
import type { GuestMessage, SchedExitMessage } from '../channel/messages.js';
import { SchedulerExitError } from '../runner/cell-vm.js';
import { type RecordedCheck, RUNFILE_CHECKS, recordingExpectation } from './recorded-checks.js';

export interface ExportTarget {
  name: string;
  topology: Topology;
  durationMs: number;
  /** The scheduler line of the cell; its path is replaced on the target. */
  scheduler?: CellHeader['scheduler'];
  schedTimeoutMs: number;
}

export interface Capture {
  cell: string;
  checks: RecordedCheck[];
  cpusets: StepCpusets[];
  totalHoldMs: number;
  /** What only `ktstr export --verify` judges, one sentence each. */
  hostOnly: string[];
}

type Body = (vm: never) => Promise<void>;

class Stop extends Error {}

function standInVm(target: ExportTarget, runScenario: (s: Scenario, o?: { allowSchedulerExit?: boolean }) => Promise<CellResult>): unknown {
  const refuse = (what: string) => async (): Promise<never> => {
    throw new Stop(`the body calls ${what}, which a runfile cannot do (it runs one scenario)`);
  };
  return {
    plan: { name: target.name, topology: target.topology, durationMs: target.durationMs },
    run: (cgroups: readonly CgroupDef[], hold: HoldSpec, o?: { allowSchedulerExit?: boolean }) => runScenario(oneStepScenario(cgroups, hold), o),
    runScenario,
    boot: refuse('vm.boot()'),
    runCommand: refuse('vm.runCommand()'),
    destroy: async () => {},
    get vm() {
      return undefined;
    },
  };
}

function emptyResult(target: ExportTarget, cpusets: StepCpusets[], messages: GuestMessage[]): CellResult {
  const { workers, metrics, cgroups, steps, timeline } = analyzeMessages(messages);
  const exit = messages.find((m): m is SchedExitMessage => m.type === 'sched_exit');
  const ready = messages.find((m) => m.type === 'ready');
  return new CellResult({
    cell: target.name, kernel: 'target', topology: target.topology, accel: 'none',
    scheduler: ready?.type === 'ready' ? ready.scheduler : null,
    bootedHow: 'runfile', bootMs: 0, readyMs: 0, durationMs: target.durationMs,
    workers, metrics, cgroups, steps, timeline, cpusets,
    schedulerExit: exit ? schedulerExitFrom(exit) : null,
    messages: [...messages], consoleLog: '',
  });
}

/** Runs the body against the stand-in and returns its cell and its recorded checks. */
export async function captureTest(body: Body, target: ExportTarget): Promise<Capture> {
  let captured: Omit<Capture, 'hostOnly'> | undefined;
  const checks: RecordedCheck[] = [];
  const hostOnly: string[] = [];
  const runScenario = async (s: Scenario, o: { allowSchedulerExit?: boolean } = {}): Promise<CellResult> => {
    if (captured) throw new Stop('the body runs a second scenario; a cell (and a runfile) runs one');
    const resolved = validateScenario(s, target.topology, { durationMs: target.durationMs });
    const cpusets = stepCpusets(s, target.topology);
    const cell = encodeScenarioCell(resolved, { ...(target.scheduler ? { scheduler: target.scheduler } : {}), schedTimeoutMs: target.schedTimeoutMs });
    captured = { cell, checks, cpusets, totalHoldMs: resolved.totalHoldMs };
    if (o.allowSchedulerExit) hostOnly.push('the body allows a scheduler exit (allowSchedulerExit) and judges it itself');
    const result = emptyResult(target, cpusets, []);
    Object.defineProperty(result, 'expect', { get: () => recordingExpectation(checks, target.topology) });
    return result;
  };
  try {
    await body(standInVm(target, runScenario) as never);
  } catch (e) {
    if (!captured) throw e instanceof Stop ? new Error(e.message) : e;
    // After the scenario, a throw means the body judged the (empty) data itself.
    hostOnly.push(`after the run the body checks the result itself (at export it threw: ${(e as Error).message.split('\n')[0]})`);
  }
  if (!captured) throw new Error('the body ran no scenario (vm.run or vm.runScenario)');
  for (const c of checks) if (!RUNFILE_CHECKS.has(c.check)) hostOnly.push(`${c.text}: not evaluated by the runfile`);
  return { ...captured, hostOnly };
}

export type Verdict = { verdict: 'pass' } | { verdict: 'fail'; reason: string };

/**
 * Replays the body against the result of a run on the target (its messages, as the runfile
 * saved them): the same CellResult a cell builds, the same errors for a scheduler exit or a
 * failed agent, the body's own expectations. The verdict is the cell's.
 */
export async function verifyTest(body: Body, target: ExportTarget, messages: GuestMessage[]): Promise<Verdict> {
  const runScenario = async (s: Scenario, o: { allowSchedulerExit?: boolean } = {}): Promise<CellResult> => {
    validateScenario(s, target.topology, { durationMs: target.durationMs });
    const result = emptyResult(target, stepCpusets(s, target.topology), messages);
    if (result.schedulerExit && !o.allowSchedulerExit) throw new SchedulerExitError(result);
    const done = messages.find((m) => m.type === 'done');
    if (!done) throw new Error(`${target.name}: the run on the target has no done message (it was cut short)`);
    if (done.type === 'done' && !done.ok && !result.schedulerExit) {
      const errors = messages.flatMap((m) => (m.type === 'error' ? [`${m.what}: ${m.message}`] : [])).join('; ');
      throw new Error(`${target.name}: the guest agent reported failure: ${errors || 'no detail'}`);
    }
    return result;
  };
  try {
    await body(standInVm(target, runScenario) as never);
    return { verdict: 'pass' };
  } catch (e) {
    return { verdict: 'fail', reason: (e as Error).message };
  }
}
