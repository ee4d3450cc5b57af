/**
 * The fault soak: N faults, each injected into real runs of real cells at a point chosen by a
 * seeded die, each judged (the faulted cell's verdict and reason, the next cell's verdict) and
 * followed by a leftovers check. Faults are dealt in rounds of every kind, shuffled per round,
 * so any N covers the kinds evenly.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fault, FaultOutcome } from './fault.js';
import { FAULTS } from './faults/index.js';
import { describeLeftovers, findLeftovers, type Leftover } from './leftovers.js';
import { dice as makeDice } from './seeded.js';
import { NEXT_CELL, openSoakEnv, restoreScheduler, type SoakEnv } from './soak-env.js';
import { startRun, verdictOf } from './soak-run.js';
import { soakProcesses } from './processes.js';

export interface SoakOptions {
  faults: number;
  seed: number;
  kinds?: readonly string[];
  holdMs: number;
  shmMiB: number;
  log(line: string): void;
  /** Polled between faults: true stops the soak there (its table covers the faults done). */
  stopRequested?(): boolean;
}

export interface FaultRecord extends FaultOutcome {
  index: number;
  kind: string;
  /** After the fault's run, and the recovery run when the fault ended it: what was left. */
  leftovers: Leftover[];
  /** The recovery run (the next cell, in a new run) when the fault's run could not run it. */
  recovery?: string;
}

export interface KindRow {
  kind: string;
  count: number;
  verdicts: Record<string, number>;
  asExpected: number;
  nextPassed: number;
  leftovers: number;
  slowestRecoveryMs: number;
}

export interface SoakReport {
  seed: number;
  faults: number;
  records: FaultRecord[];
  table: KindRow[];
  wallMs: number;
  ok: boolean;
}

/** The order faults are injected in: rounds of every kind, each round shuffled by the seed. */
export function schedule(kinds: readonly Fault[], n: number, roll: () => number): Fault[] {
  const out: Fault[] = [];
  while (out.length < n) {
    const round = [...kinds];
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(roll() * (i + 1));
      [round[i], round[j]] = [round[j]!, round[i]!];
    }
    out.push(...round);
  }
  return out.slice(0, n);
}

export async function soak(o: SoakOptions): Promise<SoakReport> {
  const t0 = performance.now();
  const kinds = o.kinds?.length ? FAULTS.filter((f) => o.kinds!.includes(f.kind)) : FAULTS;
  const unknown = (o.kinds ?? []).filter((k) => !FAULTS.some((f) => f.kind === k));
  if (unknown.length) throw new Error(`--kinds: unknown fault kind(s) ${unknown.join(', ')}; known: ${FAULTS.map((f) => f.kind).join(', ')}`);
  const dice = makeDice(o.seed);
  const plan = schedule(kinds, o.faults, dice.next);
  const env = await openSoakEnv({ holdMs: o.holdMs, shmMiB: o.shmMiB });
  const records: FaultRecord[] = [];
  try {
    o.log(`soak: seed ${o.seed}, ${o.faults} fault(s) of ${kinds.length} kind(s), cells held ${o.holdMs} ms, scratch ${env.scratch}`);
    // A first run makes the snapshot, so the first fault meets the usual restore path.
    const warm = await startRun(env).ended;
    o.log(`soak: warm-up run: ${warm.cells?.map((c) => `${c.name.split('/')[0]} ${c.status}`).join(', ') ?? `no results (${warm.code ?? warm.signal})`}`);
    for (const [i, fault] of plan.entries()) {
      if (o.stopRequested?.()) {
        o.log(`soak: stopped after ${i} fault(s), as asked`);
        break;
      }
      const record = await oneFault(env, fault, i, dice, o.log);
      records.push(record);
      o.log(`[${i + 1}/${plan.length}] ${fault.kind}: ${record.verdict}${record.ok ? '' : ' (NOT AS EXPECTED)'} — ${record.reason.split('\n')[0]!.slice(0, 200)}; `
        + `next cell ${record.next}${record.recovery ? ` (recovery run: ${record.recovery})` : ''}; ${(record.recoveryMs / 1000).toFixed(1)} s; `
        + `leftovers ${record.leftovers.length}; at ${record.at}`);
      if (record.leftovers.length) o.log(describeLeftovers(record.leftovers).replace(/^/gm, '    '));
      if (record.leftovers.some((l) => l.what === 'process' && l.detail.includes('spare-keeper-main'))) o.log(keeperTraceTail(env).replace(/^/gm, '    keeper trace: '));
    }
  } finally {
    env.close();
  }
  const table = tableOf(records);
  const ok = records.every((r) => r.ok && r.leftovers.length === 0);
  return { seed: o.seed, faults: records.length, records, table, wallMs: performance.now() - t0, ok };
}

async function oneFault(env: SoakEnv, fault: Fault, index: number, dice: ReturnType<typeof makeDice>, log: (l: string) => void): Promise<FaultRecord> {
  const why = fault.unavailable?.(env);
  if (why) return { index, kind: fault.kind, verdict: 'skipped', reason: why, ok: true, next: 'not run', recoveryMs: 0, at: 'not injected', leftovers: [] };
  const t0 = performance.now();
  let out: FaultOutcome;
  for (let attempt = 1; ; attempt++) {
    try {
      out = await fault.run({ env, dice, log });
    } catch (e) {
      out = { verdict: 'soak error', reason: (e as Error).stack ?? String(e), ok: false, next: 'not run', recoveryMs: performance.now() - t0, at: 'unknown' };
    }
    // A tree being rebuilt under the soak (a shared checkout) fails to load, which is no verdict
    // on the fault: wait for the build and inject it again.
    if (!BROKEN_BUILD.test(out.reason) || attempt >= 4) break;
    log(`    (the build could not be loaded: ${out.reason.slice(0, 160)}; retrying in 20 s)`);
    await waitForNoProcesses(env, 15_000);
    clearLeftovers(env, findLeftovers(env));
    await sleep(20_000);
  }
  restoreScheduler(env);
  let recovery: string | undefined;
  let recoveryMs = out.recoveryMs;
  // Nothing may outlive a run, whatever killed it: processes first, at once (a few seconds for
  // parent-death signals and orphan watches to act).
  await waitForNoProcesses(env, 15_000);
  if (out.next === 'not run') {
    // The fault ended the run before its next cell: the next run must pass (and reap what a
    // SIGKILLed process could not remove itself).
    const t1 = performance.now();
    const end = await startRun(env, { filter: NEXT_CELL }).ended;
    recovery = verdictOf(end, NEXT_CELL)?.status ?? `no verdict (${end.code ?? end.signal})`;
    recoveryMs += performance.now() - t1;
    if (recovery !== 'passed') out = { ...out, ok: false };
    await waitForNoProcesses(env, 15_000);
  }
  const leftovers = findLeftovers(env);
  clearLeftovers(env, leftovers);
  return { ...out, index, kind: fault.kind, leftovers, recovery, recoveryMs };
}

const BROKEN_BUILD = /SyntaxError|does not provide an export|ERR_MODULE_NOT_FOUND|Cannot find module/;

async function waitForNoProcesses(env: SoakEnv, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && soakProcesses(env.mark).some((p) => p.state !== 'Z')) await sleep(100);
}

/** Counted once: the next fault starts from a clean state. */
function clearLeftovers(env: SoakEnv, leftovers: Leftover[]): void {
  for (const p of soakProcesses(env.mark)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const l of leftovers) {
    if (l.what === 'ram-file' || l.what === 'vm-dir' || l.what === 'cache-tmp') rmSync(l.detail, { recursive: true, force: true });
    if (l.what === 'broken-entry') rmSync(l.detail.split(' ')[1]!.replace(/:$/, ''), { recursive: true, force: true });
  }
}

export function tableOf(records: readonly FaultRecord[]): KindRow[] {
  const rows = new Map<string, KindRow>();
  for (const r of records) {
    const row = rows.get(r.kind) ?? { kind: r.kind, count: 0, verdicts: {}, asExpected: 0, nextPassed: 0, leftovers: 0, slowestRecoveryMs: 0 };
    row.count++;
    row.verdicts[r.verdict] = (row.verdicts[r.verdict] ?? 0) + 1;
    if (r.ok) row.asExpected++;
    if (r.next === 'passed' || r.recovery === 'passed') row.nextPassed++;
    row.leftovers += r.leftovers.length;
    row.slowestRecoveryMs = Math.max(row.slowestRecoveryMs, r.recoveryMs);
    rows.set(r.kind, row);
  }
  return [...rows.values()];
}

export function renderTable(report: SoakReport): string {
  const head = ['fault kind', 'count', 'verdicts', 'as expected', 'next cell passed', 'leftovers', 'slowest recovery'];
  const rows = report.table.map((r) => [
    r.kind, String(r.count), Object.entries(r.verdicts).map(([v, n]) => `${v} ${n}`).join(', '), `${r.asExpected}/${r.count}`,
    `${r.nextPassed}/${r.count}`, String(r.leftovers), `${(r.slowestRecoveryMs / 1000).toFixed(1)} s`,
  ]);
  const total = report.table.reduce((s, r) => ({ count: s.count + r.count, ok: s.ok + r.asExpected, left: s.left + r.leftovers }), { count: 0, ok: 0, left: 0 });
  rows.push(['total', String(total.count), '', `${total.ok}/${total.count}`, '', String(total.left),
    `${(Math.max(0, ...report.table.map((r) => r.slowestRecoveryMs)) / 1000).toFixed(1)} s`]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The last lines the run's spare keepers traced (KTSTR_TRACE_KEEPER), for a keeper that outlived its run. */
function keeperTraceTail(env: SoakEnv): string {
  try {
    return readFileSync(join(env.scratch, 'keeper.trace'), 'utf8').trimEnd().split('\n').slice(-15).join('\n');
  } catch {
    return '(no trace)';
  }
}
