/**
 * A failed cell's dump: everything known about the failure, in the order a scheduler developer
 * reads it. The same object is printed by `ktstr test`, shown by the editor and written as
 * `<cell>.failure-dump.json` in the run's directory (docs/debugging.md, "Failure dumps").
 */
import type { TimelineEvent } from '../result/timeline.js';
import type { ExitDump } from './exit-dump.js';
import type { MapsSnapshot } from './bpf-maps.js';
import type { JsonValue } from './json-value.js';

export const FAILURE_DUMP_VERSION = 1;

export type FailureKind =
  /** The scheduler exited while the cell ran or attached: scx_bpf_error, a watchdog stall, a crash of its loader. */
  | 'scheduler-exit'
  /** The kernel refused to load one of the scheduler's BPF programs. */
  | 'verifier-rejection'
  /** The VM failed: the guest did not come up, the kernel crashed, the agent reported failure. */
  | 'cell-error'
  /** An assertion of the test body (or any other error it threw). */
  | 'assertion';

/**
 * The auto-repro report (core/src/repro/): a rerun of the cell with probes at the call sites of
 * the exit's call chain. Attached by auto-repro to a dump it was built from; the dump only
 * carries and prints it.
 */
export interface AutoReproSection {
  /** What the terminal and the editor print for it, line by line. */
  lines: string[];
  /** Host ms the rerun took, reported apart from the cell's own time. */
  durationMs?: number;
  /** The report as data, in auto-repro's own shape. */
  report?: JsonValue;
}

export interface MonitorSampleDump {
  index: number;
  elapsedMs: number;
  kind: 'sample' | 'capture';
  label?: string;
  data: JsonValue;
}

export interface FailureDump {
  version: typeof FAILURE_DUMP_VERSION;
  cell: string;
  kind: FailureKind;
  /** One line: the error text or the watchdog's reason, as the kernel (or the assertion) put it. */
  bugSummary: string;
  /** `file:line` when the kernel's words carry one (a WARN or BUG site, a message that names it). */
  location?: string;
  /** ISO time the dump was made. */
  madeAt: string;
  scheduler: string | null;
  /** The scheduler's exit as the guest agent reported it. */
  schedulerExit?: { phase: 'attach' | 'run'; reason: string; exitStatus: number | null; kernelLog: string[] };
  /** The kernel's sched_ext exit dump; absent with the reason when there was none to find. */
  exitDump?: ExitDump;
  exitDumpMissing?: string;
  /** A verifier rejection: each refused program's log with repeated loop bodies folded. */
  verifierLogs?: { program: string | undefined; log: string; complete: boolean }[];
  /** The monitor's last readings before the end (runqueues, local DSQ depths, event counters). */
  monitor: { enabled: boolean; reason?: string; samples: MonitorSampleDump[]; omitted: number };
  /** Every BPF map of the scheduler, decoded; or why it could not be read. */
  bpfMaps: MapsSnapshot | { unavailable: string };
  /** The scenario's events up to the failure (the scheduler's exit; for other failures, all of them). */
  timeline: TimelineEvent[];
  timelineOmitted: number;
  /** The last lines of the guest's serial console. */
  consoleTail: string[];
  /** The last lines the scheduler printed. */
  schedulerOutputTail: string[];
  /** The error as thrown (message; stack for errors of the test body). */
  error: string;
  autoRepro?: AutoReproSection;
}
