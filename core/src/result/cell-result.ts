/** Everything one cell produced: what ran, where, what the guest measured, and the logs. */
import type { AutoReproReport } from '../repro/auto-repro-report.js';
import type { Topology } from '../topology/topology.js';
import type { GuestMessage, SchedExitMessage } from '../channel/messages.js';
import type { CellMetrics, WorkerResult } from './metrics.js';
import type { CgroupResult, StepResult } from './scenario-analysis.js';
import { joinTimeline, monitorMarks, type TimelineEntry, type TimelineEvent } from './timeline.js';
import type { StepCpusets } from './step-cpusets.js';
import { Expectation } from './expect.js';
import type { MonitorResult } from '../monitor/sampler/monitor-result.js';
import type { ResolvedThreshold } from '../api/thresholds.js';

export interface SchedulerExit {
  phase: 'attach' | 'run';
  reason: string;
  dmesg: string[];
  output: string;
  exitStatus: number | null;
  /** The kernel's exit dump as the agent read it from the kernel's trace event; absent when it had none (docs/debugging.md, "Failure dumps"). */
  kernelDump?: string;
}

export interface CellResultData {
  cell: string;
  kernel: string;
  topology: Topology;
  accel: string;
  scheduler: string | null;
  /** How the guest came up: restored from the post-boot snapshot, or a cold boot. */
  bootedHow: string;
  /** Host wall time from the boot request to a guest ready for its cell, and to `ready`. */
  bootMs: number;
  readyMs: number;
  durationMs: number;
  workers: WorkerResult[];
  metrics: CellMetrics;
  /** Per cgroup (by definition name): its workers and their metrics. */
  cgroups: Record<string, CgroupResult>;
  /** Per step, in order: its share of every worker and the metrics of that share. */
  steps: StepResult[];
  /** Every stimulus event with the cumulative iterations of each worker at that moment. */
  timeline: TimelineEvent[];
  /**
   * Per step, in order: the cpuset each present cgroup was confined to, as the scenario declared
   * it, resolved on this cell's topology (the host resolves it; the guest does not report it).
   * Absent from results made without the scenario at hand (e.g. recorded fixtures).
   */
  cpusets?: StepCpusets[];
  schedulerExit: SchedulerExit | null;
  messages: GuestMessage[];
  consoleLog: string;
  /**
   * What the host monitor read while the scenario ran: periodic samples and captures
   * (`monitor.series`), how they were taken, and the monitor metrics; or, with `enabled: false`,
   * why there are none. Absent from results made without a VM (recorded fixtures).
   */
  monitor?: MonitorResult;
  /**
   * Host CPU time (ms) QEMU used, all its threads, from `go` to `done`: under TCG the guest's
   * throughput follows it (docs/stats.md, "Noise"). Absent without a VM or where /proc cannot tell.
   */
  vmCpuMs?: number;
  /**
   * Time (ms) QEMU's threads were runnable but waited for a host CPU over the same span: the
   * guest's clock ran on while nothing was emulated, which the guest counts as delay (docs/stats.md,
   * "Host contention"). Absent where /proc has no schedstat.
   */
  vmWaitMs?: number;
  /**
   * The assertion thresholds declared with the cell's scheduler and test, resolved (api/thresholds.ts):
   * what `r.expect.withinThresholds()` and a bound-less `r.expect.gapBelowMs()` check. Empty when
   * none are declared.
   */
  thresholds?: readonly ResolvedThreshold[];
  /**
   * For a scheduler crash: the rerun of the cell with probes on the crash's call chain and the
   * calls they recorded (core/src/repro/, docs/debugging.md "Auto-repro"). Absent when the cell
   * did not crash, the test said `autoRepro: false`, or the exit had no call chain.
   */
  autoRepro?: AutoReproReport;
}

export class CellResult implements CellResultData {
  cell!: string;
  kernel!: string;
  topology!: Topology;
  accel!: string;
  scheduler!: string | null;
  bootedHow!: string;
  bootMs!: number;
  readyMs!: number;
  durationMs!: number;
  workers!: WorkerResult[];
  metrics!: CellMetrics;
  cgroups!: Record<string, CgroupResult>;
  steps!: StepResult[];
  timeline!: TimelineEvent[];
  cpusets?: StepCpusets[];
  schedulerExit!: SchedulerExit | null;
  messages!: GuestMessage[];
  consoleLog!: string;
  monitor?: MonitorResult;
  vmCpuMs?: number;
  vmWaitMs?: number;
  thresholds?: readonly ResolvedThreshold[];
  autoRepro?: AutoReproReport;

  constructor(data: CellResultData) {
    Object.assign(this, data);
  }

  /** One step by name (undefined if the scenario has no such step or it did not run). */
  step(name: string): StepResult | undefined {
    return this.steps.find((s) => s.name === name);
  }

  /**
   * The stimulus events of `timeline` and the monitor's readings (a lane of their own), in
   * guest time order: what the scenario did next to what the host saw the kernel doing.
   */
  timelineWithMonitor(): TimelineEntry[] {
    return joinTimeline(this.timeline, monitorMarks(this.monitor));
  }

  /** Fluent assertions: `r.expect.noStall().spreadBelow(0.25)`, `r.expect.inCgroup('a').gapBelowMs(50)`. */
  get expect(): Expectation {
    return new Expectation(this);
  }

  /** The JSON form (console log and raw messages left out: they are large and in the files). */
  toJSON(): Omit<CellResultData, 'consoleLog' | 'messages'> {
    const { consoleLog: _c, messages: _m, ...rest } = { ...this };
    return rest;
  }
}

/**
 * The kernel reports an exit in two lines: `BPF scheduler "x" disabled (<kind>)` and then the
 * detail (the scx_bpf_error text, or `task[pid] failed to run for 2.9s` from the watchdog). The
 * reason carries both, so "runnable task stall" is in it, not only in the log.
 */
export function schedulerExitFrom(m: SchedExitMessage): SchedulerExit {
  const kind = m.dmesg.map((l) => /disabled \(([^)]+)\)/.exec(l)?.[1]).find((k) => k !== undefined);
  const reason = kind && !m.reason.includes(kind) ? `${kind}: ${m.reason}` : m.reason;
  return { phase: m.phase, reason, dmesg: m.dmesg, output: m.output, exitStatus: m.exit_status, ...(m.exit_dump ? { kernelDump: m.exit_dump } : {}) };
}
