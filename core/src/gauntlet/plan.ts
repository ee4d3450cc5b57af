/**
 * The plan of a run: every cell of every declared test, and for each whether it runs, is
 * skipped (with the reason a node:test skip shows) or is left out (with why, for `--list`).
 *
 * What runs:
 * - default (no `--gauntlet`, `--topology` or budget): each test's home cell per kernel (its
 *   explicit topology, else its scheduler's topology, else its smallest passing preset). The
 *   project's own suite and `npm run demo` stay one cell per test.
 * - `--gauntlet`: every cell (passing presets x kernels).
 * - `--topology T`: every test's cell on T.
 * - budget (`--budget`, KTSTR_BUDGET_SECS): the greedy coverage selection over every cell.
 * Then host capability (core/src/host/capability.ts) turns cells the host cannot run into
 * skips, and `--shard K/N` keeps this shard's part.
 */
import type { Arch } from '@ktstr/presets';
import type { SchedulerDecl } from '../api/declare-scheduler.js';
import type { AssertThresholds } from '../api/thresholds.js';
import { KtstrError } from '../errors.js';
import type { Accel } from '../vm/accel.js';
import type { HostTopology } from '../host/host-topology.js';
import { hostSkipReason } from '../host/capability.js';
import { checkGates } from './gates.js';
import { archSkipReason, archSkippedCells } from './arch-filter.js';
import { expandTest, type GauntletCell, type GauntletTest } from './expand.js';
import type { DurationStore } from './durations.js';
import { estimateCell } from './estimate.js';
import { cellFeatures } from './coverage.js';
import { selectWithinBudget } from './budget.js';
import { partition, type Shard, shardLabel } from './shard.js';

/** A test as discovered from its file: what expansion needs plus what estimates need. */
export interface DeclaredTest extends GauntletTest {
  durationMs: number;
  /** The architectures it runs on (its `arch` field); absent means every one (arch-filter.ts). */
  arches?: readonly Arch[] | undefined;
  /** The file that declared it, when known. */
  file?: string | undefined;
  /** Its scheduler's whole declaration, when discovered from a test file (not used in planning). */
  schedulerDecl?: SchedulerDecl | undefined;
  /** Its own assertion thresholds, when discovered from a test file (api/thresholds.ts). */
  thresholds?: AssertThresholds | undefined;
}

export type PlanMode = 'default' | 'gauntlet' | 'topology' | 'budget';
export type EntryStatus = 'run' | 'skip' | 'left-out';

export interface PlanEntry extends GauntletCell {
  durationMs: number;
  estimateMs: number;
  estimateSource: 'recorded' | 'model';
  status: EntryStatus;
  reason: string;
  /** `K/N` when the run is sharded. */
  shard?: string;
  /** Under `ktstr test --repeat N`: 1..N; from 2 on the name ends in `#N` (gauntlet/replicas.ts). */
  replica?: number;
  noPerfMode: boolean;
  performanceMode: boolean;
}

export interface PlanOptions {
  kernels: readonly string[];
  arch: Arch;
  topology?: string | undefined;
  filter?: string | undefined;
  gauntlet?: boolean | undefined;
  budgetSecs?: number | undefined;
  shard?: Shard | undefined;
  /** Recorded durations; ignored when sharding (see shard.ts). */
  durations?: DurationStore | undefined;
  /** Where the cells would run; without it no host check is made. */
  host?: { topology: HostTopology; accel: Accel } | undefined;
  /** KTSTR_NO_PERF_MODE=1 for every test. */
  noPerfModeEnv?: boolean | undefined;
}

export interface RunPlan {
  mode: PlanMode;
  entries: PlanEntry[];
  budgetMs?: number;
  shard?: string;
}

export function planMode(options: Pick<PlanOptions, 'gauntlet' | 'topology' | 'budgetSecs'>): PlanMode {
  if (options.budgetSecs !== undefined) return 'budget';
  if (options.gauntlet) return 'gauntlet';
  if (options.topology !== undefined) return 'topology';
  return 'default';
}

export function budgetFromEnv(flag: string | number | undefined, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const [raw, field] = flag !== undefined ? [flag, '--budget'] : [env.KTSTR_BUDGET_SECS, 'KTSTR_BUDGET_SECS'];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new KtstrError(field, raw, 'must be a number of seconds > 0', `E.g. ${field === '--budget' ? '--budget 600' : 'KTSTR_BUDGET_SECS=600'}.`);
  return n;
}

export function planRun(tests: readonly DeclaredTest[], options: PlanOptions): RunPlan {
  const mode = planMode(options);
  const names = new Set<string>();
  const entries: PlanEntry[] = [];
  for (const t of tests) {
    const where = `ktstrTest(${JSON.stringify(t.name)})`;
    const notThisArch = archSkipReason(t, options.arch);
    if (notThisArch) {
      for (const cell of archSkippedCells(t, options.kernels, options.arch)) {
        names.add(cell.name);
        entries.push({ ...cell, durationMs: t.durationMs, estimateMs: 0, estimateSource: 'model', status: 'skip', reason: notThisArch, noPerfMode: false, performanceMode: false });
      }
      continue;
    }
    checkGates(t, where, options.arch);
    const { cells } = expandTest(t, { kernels: options.kernels, arch: options.arch, topologyFilter: options.topology, filter: options.filter });
    for (const cell of cells) {
      if (names.has(cell.name)) {
        throw new KtstrError(where, t.name, `declares cell ${cell.name} twice${t.file ? ` (again in ${t.file})` : ''}`, 'Give every ktstrTest a distinct name.');
      }
      names.add(cell.name);
      // Sharded runs estimate with the model only, so every shard computes the same partition.
      const est = estimateCell({ name: cell.name, topology: cell.topology, durationMs: t.durationMs }, options.shard ? undefined : options.durations);
      const selectedByMode = mode !== 'default' || cell.home;
      entries.push({
        ...cell,
        durationMs: t.durationMs,
        estimateMs: est.ms,
        estimateSource: est.source,
        status: selectedByMode ? 'run' : 'left-out',
        reason: mode === 'default'
          ? (cell.home ? (cell.pinned ? 'the test\'s explicit topology' : 'home topology (default run)') : 'not the home topology: add --gauntlet, --topology or --budget')
          : mode === 'topology' ? `--topology ${options.topology}` : 'gauntlet',
        noPerfMode: t.noPerfMode === true || options.noPerfModeEnv === true,
        performanceMode: t.performanceMode === true,
      });
    }
  }
  const plan: RunPlan = { mode, entries };

  if (mode === 'budget') {
    const budgetMs = options.budgetSecs! * 1000 * (options.shard?.count ?? 1);
    plan.budgetMs = budgetMs;
    // Cells the host cannot run would waste budget: check them first.
    applyHostCheck(entries, options);
    const candidates = entries.filter((e) => e.status === 'run');
    const sel = selectWithinBudget(candidates.map((e) => ({ name: e.name, estimateMs: e.estimateMs, features: cellFeatures(e) })), budgetMs);
    sel.decisions.forEach((d, i) => {
      const e = candidates[i]!;
      e.status = d.selected ? 'run' : 'left-out';
      e.reason = d.reason;
    });
  } else {
    applyHostCheck(entries, options);
  }

  if (options.shard) {
    const s = options.shard;
    plan.shard = shardLabel(s);
    const active = entries.filter((e) => e.status !== 'left-out');
    const parts = partition(active.map((e) => ({ name: e.name, estimateMs: e.status === 'run' ? e.estimateMs : 0, e })), s.count);
    parts.forEach((part, i) => {
      for (const { e } of part) {
        e.shard = `${i + 1}/${s.count}`;
        if (i + 1 !== s.index) {
          e.status = 'left-out';
          e.reason = `runs in shard ${i + 1}/${s.count}`;
        }
      }
    });
  }
  return plan;
}

function applyHostCheck(entries: PlanEntry[], options: PlanOptions): void {
  if (!options.host) return;
  const host = options.host;
  for (const e of entries) {
    if (e.status !== 'run') continue;
    if (e.performanceMode && host.accel !== 'kvm') {
      e.status = 'skip';
      e.reason = 'performanceMode needs KVM (vCPU pinning and host isolation); this host runs TCG';
      continue;
    }
    const why = hostSkipReason(e.topology, host.topology, { accel: host.accel, noPerfMode: e.noPerfMode });
    if (why) {
      e.status = 'skip';
      e.reason = `host: ${why}`;
    }
  }
}

/** The entries of one of `jobs` parallel workers (0-based `job`), balanced by estimate. */
export function jobEntries(entries: readonly PlanEntry[], jobs: number, job: number): PlanEntry[] {
  const active = entries.filter((e) => e.status !== 'left-out');
  return partition(active.map((e) => ({ name: e.name, estimateMs: e.status === 'run' ? e.estimateMs : 0, e })), jobs)[job]!.map((x) => x.e);
}

