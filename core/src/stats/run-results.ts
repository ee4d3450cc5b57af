/**
 * Results of a run: one record per cell, what `ktstr test --json` prints and what
 * `ktstr stats merge` joins across shards.
 *
 * While a run is going, each test process appends events (a start and an end per cell) as JSON
 * lines to the file named by KTSTR_RESULTS; appends of one short line are atomic, so concurrent
 * processes can share a file. The CLI reads them for its progress display and folds them into a
 * RunResults document at the end.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import type { CellMetrics } from '../result/metrics.js';
import type { TestGates } from '../gauntlet/gates.js';
import type { AutoReproSummary } from '../repro/auto-repro-report.js';

export type CellStatus = 'passed' | 'failed' | 'skipped';

export interface CellRecord {
  name: string;
  test: string;
  preset: string;
  kernel: string;
  scheduler: string;
  /** Topology label, e.g. 1n2l2c1t. */
  topology: string;
  status: CellStatus;
  /** Why it failed or was skipped: the first line of the error, or the skip reason. */
  reason?: string;
  /** Wall time, boot to teardown. */
  durationMs: number;
  /** `K/N` of a sharded run. */
  shard?: string;
  finishedAt: string;
  /** Under `ktstr test --repeat N`: which run of the cell this is, 1..N (`name` ends in `#N` from 2 on). */
  replica?: number;
  /** sha256 of the scheduler binary the cell ran; absent under the kernel's own scheduler. */
  schedulerHash?: string;
  /** The scheduler's arguments (its declared schedArgs, then the test's extraSchedArgs). */
  schedulerArgs?: string[];
  /** The canned scenario of a `ktstr test --scenario` cell. */
  scenario?: string;
  /**
   * For a failed cell: the lines that explain the reason (for a scheduler exit, the kernel's
   * sched_ext lines and the scheduler's last lines of output), and the file with everything.
   */
  detail?: string[];
  detailFile?: string;
  /** For a failed cell: its one-line BUG SUMMARY (docs/debugging.md, "Failure dumps"). */
  bugSummary?: string;
  /** The cell's failure dump (`<cell>.failure-dump.json`), while the run goes; the stored run has its own copy. */
  failureDump?: string;
  /** For a scheduler crash: how its auto-repro went, its own wall time (not in durationMs), and what it captured. */
  autoRepro?: AutoReproSummary;
  /** What the test body printed (console.log, process.stdout/stderr) while the cell ran; the tail, at most 16 KiB. */
  output?: string;
  /** The measurements of the cell's scenario, when it ran one (docs/metrics.md). */
  metrics?: CellMetricsRecord;
  /** Where the cell's time went, when its VM started. */
  timing?: CellTiming;
  /**
   * 'scenario-does-not-fit': the cell's scenario (or an assertion) needs something this
   * topology lacks; the test is missing `gate`, e.g. `{ minLlcs: 2 }`. Absent for other failures.
   */
  kind?: 'scenario-does-not-fit';
  gate?: TestGates;
}

export interface CellMetricsRecord {
  /** The whole run. */
  run: CellMetrics;
  /** Per cgroup, by name. */
  cgroups: Record<string, CellMetrics>;
  /** Per step, in order, with the cgroups within the step. */
  steps: { name: string; metrics: CellMetrics; cgroups: Record<string, CellMetrics> }[];
  /** What the host monitor measured; absent when it did not run or read nothing. */
  monitor?: MonitorMetricsRecord;
  /** What the host measured of the cell's VM; absent when QEMU's CPU time could not be read (and in older runs). */
  host?: HostMetricsRecord;
}

/** The host's measurements of a cell's VM over its scenario (from `go` to `done`). */
export interface HostMetricsRecord {
  /** How QEMU executed the guest: under TCG one host thread runs every vCPU, and the guest's throughput follows its CPU time. */
  accel: 'kvm' | 'tcg';
  /** Host CPU time QEMU used, all threads, in ms. */
  vmCpuMs: number;
  /** totalIterations per second of vmCpuMs; null with no CPU time. */
  iterationsPerVmCpuS: number | null;
  /** Time QEMU's threads waited for a host CPU, in ms; absent without schedstat (and in older runs). */
  vmWaitMs?: number;
  /** vmWaitMs in percent of vmCpuMs + vmWaitMs: how contended the host was for the VM. */
  hostWaitPercent?: number | null;
}

/** The host monitor's numbers for a cell (core/src/monitor/sampler/monitor-metrics.ts). */
export interface MonitorMetricsRecord {
  maxDsqDepth: number;
  /** Busy CPUs whose rq clock stood still for 5+ consecutive samples. */
  stallCount: number;
  /** Growth of SCX_EV_SELECT_CPU_FALLBACK / SCX_EV_DISPATCH_KEEP_LAST over the run; null without a BPF scheduler. */
  fallbackEvents: number | null;
  keepLastEvents: number | null;
}

export interface CellTiming {
  /** From the boot request to a guest ready for its cell: a restore, or a cold boot. */
  bootMs: number;
  bootedHow: string;
  /** From sending the scenario to the guest's power-off: scheduler attach, holds, reports. */
  scenarioMs: number;
  /** The whole cell, boot to teardown (the same as durationMs). */
  totalMs: number;
}

export interface RunResults {
  version: 1;
  startedAt: string;
  finishedAt: string;
  /** The shards these results come from (`1/1` for an unsharded run). */
  shards: string[];
  cells: CellRecord[];
}

export type CellEvent =
  | { event: 'start'; name: string; at: string; pid: number }
  | ({ event: 'end' } & CellRecord)
  /** A line for the user from a test process (e.g. waiting for CPUs); node's runner would bury its stderr in the report. */
  | { event: 'log'; message: string; pid: number };

export function appendCellEvent(file: string | undefined, event: CellEvent): void {
  if (!file) return;
  appendFileSync(file, `${JSON.stringify(event)}\n`);
}

export function readCellEvents(file: string): CellEvent[] {
  if (!existsSync(file)) return [];
  const out: CellEvent[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as CellEvent);
    } catch {
      // a line being written right now; the next read sees it whole
    }
  }
  return out;
}

export function resultsFromEvents(events: readonly CellEvent[], startedAt: string, shard: string): RunResults {
  const cells = events.filter((e): e is { event: 'end' } & CellRecord => e.event === 'end').map(({ event: _e, ...r }) => r);
  return { version: 1, startedAt, finishedAt: new Date().toISOString(), shards: [shard], cells };
}
