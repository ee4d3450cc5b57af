/**
 * What a fault is, and the common shape of one: start a run of the soak cells, inject at a
 * random point (from the soak's dice), wait for the run to end, and judge it. One fault kind
 * per file under faults/.
 */
import { performance } from 'node:perf_hooks';
import type { Dice } from './seeded.js';
import { FAULTED_CELL, NEXT_CELL, type SoakEnv } from './soak-env.js';
import { startRun, verdictOf, type RunEnd, type SoakRun } from './soak-run.js';

export interface FaultContext {
  env: SoakEnv;
  dice: Dice;
  log(line: string): void;
}

export interface FaultOutcome {
  /** The faulted cell's verdict: failed, skipped, passed; `killed` when the fault killed the whole run; `hung` past the deadline. */
  verdict: string;
  /** Its reason (the cell's, or what the soak saw: the run's exit, a line of its output). */
  reason: string;
  /** Whether the outcome is what this fault must give: a failure or skip naming what happened, or (for faults between runs) a pass that names the repair. */
  ok: boolean;
  /** The next cell in the same run: passed, failed, or 'not run' (the fault ended the run). */
  next: string;
  /** From the injection to the run's end. */
  recoveryMs: number;
  /** Where the fault was injected (printed, so a seed's run can be read). */
  at: string;
  /** The next cell's reason, when it failed. */
  nextReason?: string;
}

export interface Fault {
  kind: string;
  /** One line for the docs and --list. */
  summary: string;
  /** Why this fault cannot run here, if it cannot. */
  unavailable?(env: SoakEnv): string | undefined;
  /** Injects the fault into a run and judges it; leftovers are checked by the caller. */
  run(ctx: FaultContext): Promise<FaultOutcome>;
}

/**
 * The common case: a run of both cells; `inject` is called once the faulted cell's guest runs
 * (after a random delay within its hold), and the faulted cell must fail with a reason matching
 * `names`. The next cell must pass unless the fault ended the run's test process.
 */
export async function faultDuringCell(ctx: FaultContext, o: {
  names: RegExp;
  inject(run: SoakRun): string | Promise<string>;
  /** Whether the fault ends the node:test process (then the next cell cannot run). */
  endsTestProcess?: boolean;
  /** Whether it ends the runner itself (no results document). */
  endsRunner?: boolean;
  extraEnv?: NodeJS.ProcessEnv;
  /** Wait for the guest before injecting (default); false injects at a point after planning. */
  afterGuestUp?: boolean;
  delayMs?: [number, number];
  /** A next-cell failure with this reason is the fault still in force ("passes when it can"). */
  nextMayFail?: RegExp;
  /**
   * A pass is as expected when the run's output has a line matching this: the fault hit the VM
   * before the cell's workload (a restore being prepared), the product replaced it and said so.
   */
  recoveredIf?: RegExp;
}): Promise<FaultOutcome> {
  const run = startRun(ctx.env, { extraEnv: o.extraEnv });
  const { waitUntil, inFirstCell } = await import('./soak-run.js');
  const up = o.afterGuestUp === false
    ? await waitUntil(run, () => /cell\(s\) to run/.test(run.stderr()))
    : await waitUntil(run, () => inFirstCell(run));
  // The faulted cell holds 3 x holdMs (cells/soak-cells.ktstr.ts): aim inside it.
  const [lo, hi] = o.delayMs ?? [0, 2 * ctx.env.holdMs + 500];
  const delay = ctx.dice.int(lo, hi);
  let at = `not injected: the ${o.afterGuestUp === false ? 'plan' : 'guest'} never came`;
  let t0 = performance.now();
  if (up) {
    await new Promise((r) => setTimeout(r, delay));
    t0 = performance.now();
    const missed = o.afterGuestUp !== false && !inFirstCell(run);
    at = missed ? `not injected: the cell had ended ${delay} ms after the guest was up` : `${await o.inject(run)} ${delay} ms after ${o.afterGuestUp === false ? 'planning' : 'the guest was up'}`;
  }
  const end = await run.ended;
  const recoveryMs = performance.now() - t0;
  if (at.startsWith('not injected')) {
    // Nothing to judge: the run went on unharmed (the table shows how often the aim missed).
    const next = nextCellStatus(end);
    return { verdict: 'not injected', reason: at, ok: !end.hung, next, recoveryMs, at };
  }
  return judge(end, o, at, recoveryMs);
}

function judge(end: RunEnd, o: { names: RegExp; endsTestProcess?: boolean; endsRunner?: boolean; nextMayFail?: RegExp; recoveredIf?: RegExp }, at: string, recoveryMs: number): FaultOutcome {
  if (end.hung) return { verdict: 'hung', reason: `the run did not end within its deadline`, ok: false, next: 'not run', recoveryMs, at };
  const next = nextCellStatus(end);
  if (!end.cells) {
    const last = end.stderr.trim().split('\n').filter((l) => l.trim()).slice(-1)[0]?.trim();
    const how = end.signal ? `the runner died of ${end.signal}` : `the runner exited ${end.code} without results${last ? `: ${last}` : ''}`;
    return { verdict: 'killed', reason: how, ok: o.endsRunner === true, next, recoveryMs, at };
  }
  const v = verdictOf(end, FAULTED_CELL);
  const verdict = v?.status ?? 'missing';
  const recovered = verdict === 'passed' && o.recoveredIf ? end.stderr.split('\n').find((l) => o.recoveredIf!.test(l))?.replace(/^ktstr: /, '') : undefined;
  const reason = recovered ?? (v ? v.reason ?? `${verdict}, no reason given` : `no verdict for ${FAULTED_CELL} in the results (exit ${end.code ?? end.signal})`);
  const failedClearly = ((verdict === 'failed' || verdict === 'skipped') && o.names.test(reason)) || recovered !== undefined;
  const nextReason = verdictOf(end, NEXT_CELL)?.reason ?? '';
  const nextOk = o.endsTestProcess || next === 'passed' || (o.nextMayFail !== undefined && o.nextMayFail.test(nextReason));
  return { verdict, reason, ok: failedClearly && nextOk, next, recoveryMs, at, ...(nextReason ? { nextReason } : {}) };
}

/**
 * The next cell's status; 'not run' also when the run recorded it as a skip that never ran (a run
 * interrupted before it reached the cell lists it so): either way the soak's recovery run must
 * show that the next cell passes.
 */
export function nextCellStatus(end: RunEnd): string {
  const v = verdictOf(end, NEXT_CELL);
  if (!v || (v.status === 'skipped' && /^not run:/.test(v.reason ?? ''))) return 'not run';
  return v.status;
}
