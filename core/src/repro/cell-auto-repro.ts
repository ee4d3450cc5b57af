/**
 * Auto-repro as a test cell uses it: whether a failure is a crash worth rerunning, the time the
 * rerun may take inside the test's own limit, and where the report goes (the failed result's
 * `autoRepro` field, and a summary in the cell's record).
 */
import { KtstrError } from '../errors.js';
import { SchedulerExitError } from '../runner/cell-vm.js';
import type { TestVm } from '../runner/test-vm.js';
import type { AutoReproReport, AutoReproSummary } from './auto-repro-report.js';
import { schedulerExitChain } from './call-chain.js';
import { reproduceCrash } from './rerun-crash.js';

/** Less than this left of the test's time limit and the rerun is not started. */
export const MIN_RERUN_MS = 30_000;

/** `autoRepro` of a test's options: absent or a boolean. */
export function checkAutoRepro(value: unknown, where: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new KtstrError(`${where}.autoRepro`, value, 'is not a boolean', 'Use `autoRepro: false` to turn auto-repro off for this test; leave it out to keep it on.');
  }
}

/** A scheduler that crashed while the scenario ran, with a call chain in its exit dump. */
export function isReproducibleCrash(error: unknown): error is SchedulerExitError {
  if (!(error instanceof SchedulerExitError)) return false;
  const exit = error.result.schedulerExit;
  return exit !== null && exit.phase === 'run' && schedulerExitChain(exit).length > 0;
}

export function summarize(r: AutoReproReport): AutoReproSummary {
  return {
    status: r.status, ...(r.reason ? { reason: r.reason } : {}), durationMs: r.durationMs,
    sites: r.sites.filter((s) => s.calls.length > 0).length, calls: r.calls.length,
  };
}

/**
 * Reruns a crashed cell with probes and attaches the report to the error's result; undefined
 * when the failure is not such a crash or the test turned auto-repro off. `remainingMs` is what
 * is left of the test's time limit.
 */
export async function autoReproForFailure(error: unknown, input: {
  enabled: boolean | undefined;
  vm: TestVm | undefined;
  body: (vm: TestVm) => Promise<unknown>;
  remainingMs: number;
  log: (line: string) => void;
}): Promise<AutoReproReport | undefined> {
  if (input.enabled === false || input.vm === undefined || !isReproducibleCrash(error)) return undefined;
  const exit = error.result.schedulerExit!;
  let report: AutoReproReport;
  if (input.remainingMs < MIN_RERUN_MS) {
    report = {
      status: 'failed', reason: `only ${Math.round(input.remainingMs / 1000)} s left of the test's time limit (timeoutMs); raise it to get auto-repro`,
      chain: schedulerExitChain(exit).map((f) => f.line), sites: [], calls: [], durationMs: 0,
    };
  } else {
    report = await reproduceCrash({ plan: input.vm.plan, exit, body: input.body, timeoutMs: input.remainingMs - 10_000, log: input.log });
  }
  error.result.autoRepro = report;
  return report;
}
