/**
 * Assembles a failed cell's dump from what the cell left: the error, the cell's result (a
 * scheduler exit's, or the last scenario's), and the BPF maps read from the powered-off guest.
 * Pure apart from the clock: the maps are read by the caller (bpf-maps.ts) while the guest's
 * memory still exists.
 */
import { inspect } from 'node:util';
import { CellError, SchedulerExitError } from '../runner/cell-vm.js';
import { tellingLines } from '../runner/failure-report.js';
import type { CellResult } from '../result/cell-result.js';
import { collapseVerifierLog } from '../verifier/collapse-log.js';
import { progLoadLogs } from '../verifier/loader-log.js';
import type { MapsSnapshot } from './bpf-maps.js';
import { crashLine, findLocation, schedulerExitSummary, verifierComplaint } from './bug-summary.js';
import { findExitDump, parseExitDump } from './exit-dump.js';
import { FAILURE_DUMP_VERSION, type FailureDump, type FailureKind, type MonitorSampleDump } from './failure-dump.js';
import { jsonValue } from './json-value.js';
import { autoReproSection } from './auto-repro-section.js';
import type { BpfValue } from '../monitor/bpf/decode.js';

export interface DumpLimits {
  /** The monitor's readings kept, the last ones. */
  samples: number;
  timelineEvents: number;
  consoleLines: number;
  outputLines: number;
}

export const DEFAULT_DUMP_LIMITS: DumpLimits = { samples: 5, timelineEvents: 200, consoleLines: 60, outputLines: 40 };

export interface DumpInput {
  cell: string;
  error: unknown;
  /** The scheduler exit's result, or the cell's last scenario result (TestVm.lastResult). */
  result?: CellResult;
  /** The maps, or why they could not be read. */
  maps: MapsSnapshot | string;
  limits?: DumpLimits;
  now?: Date;
}

const lastLines = (text: string, n: number) => text.replace(/\r\n/g, '\n').trimEnd().split('\n').filter((l) => l.trim() !== '').slice(-n);

export function buildFailureDump(input: DumpInput): FailureDump {
  const limits = input.limits ?? DEFAULT_DUMP_LIMITS;
  const { error } = input;
  const result = error instanceof SchedulerExitError ? error.result : input.result;
  const exit = result?.schedulerExit ?? undefined;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : inspect(error, { depth: 3 });
  const consoleLog = error instanceof CellError ? error.consoleLog : result?.consoleLog ?? '';

  // The kernel's own copy first (whole, whatever the loader printed), else the loader's.
  const exitDump = exit ? (exit.kernelDump ? parseExitDump(exit.kernelDump.trimEnd(), 'trace-event') : undefined) ?? findExitDump(exit.output) : undefined;
  const loadLogs = exit ? progLoadLogs(exit.output) : [];
  let kind: FailureKind;
  let bugSummary: string;
  const crash = crashLine(consoleLog);
  if (error instanceof SchedulerExitError && exit!.phase === 'attach' && loadLogs.length > 0) {
    kind = 'verifier-rejection';
    const first = loadLogs[0]!;
    bugSummary = `the verifier rejected ${first.program ? `program ${first.program}` : 'a program'} of scheduler ${result?.scheduler ?? ''}`.trimEnd()
      + `: ${verifierComplaint(first.log) ?? 'no log'}`;
  } else if (error instanceof SchedulerExitError) {
    kind = 'scheduler-exit';
    bugSummary = schedulerExitSummary(result?.scheduler ?? null, exit!.phase, exit!.reason, exitDump);
  } else if (error instanceof CellError) {
    kind = 'cell-error';
    bugSummary = crash ? `the guest kernel: ${crash}` : error.firstLine.replace(`${input.cell}: `, '');
  } else {
    kind = 'assertion';
    bugSummary = (message.split('\n')[0] ?? '').replace(`${input.cell}: `, '');
  }
  const location = findLocation([
    ...(exitDump?.message ? [exitDump.message] : []), ...(exit?.dmesg ?? []), ...(crash ? [crash] : []),
  ]);

  const monitor = result?.monitor;
  const allSamples = monitor?.series.samples ?? [];
  const samples: MonitorSampleDump[] = allSamples.slice(-limits.samples).map((s) => ({
    index: s.index, elapsedMs: s.elapsedMs, kind: s.kind, ...(s.label ? { label: s.label } : {}), data: jsonValue(s.data as BpfValue),
  }));

  // Up to the failure: the scheduler's exit when there was one (the agent's sched_exit time).
  const exitAt = result?.messages.find((m) => m.type === 'sched_exit')?.t_ms;
  const upTo = (result?.timeline ?? []).filter((e) => exitAt === undefined || e.tMs <= exitAt);
  const timeline = upTo.slice(-limits.timelineEvents);

  return {
    version: FAILURE_DUMP_VERSION,
    cell: input.cell,
    kind,
    bugSummary,
    ...(location ? { location } : {}),
    madeAt: (input.now ?? new Date()).toISOString(),
    scheduler: result?.scheduler ?? null,
    ...(exit ? { schedulerExit: { phase: exit.phase, reason: exit.reason, exitStatus: exit.exitStatus, kernelLog: [...exit.dmesg] } } : {}),
    ...(exitDump ? { exitDump } : { exitDumpMissing: exitDumpMissing(kind, exit?.phase) }),
    ...(loadLogs.length > 0 ? { verifierLogs: loadLogs.map((l) => ({ program: l.program, log: collapseVerifierLog(l.log), complete: l.complete })) } : {}),
    monitor: {
      enabled: monitor?.enabled ?? false,
      ...(monitor?.reason ? { reason: monitor.reason } : !monitor ? { reason: 'the cell has no result with monitor readings' } : {}),
      samples,
      omitted: allSamples.length - samples.length,
    },
    bpfMaps: typeof input.maps === 'string' ? { unavailable: input.maps } : input.maps,
    timeline,
    timelineOmitted: upTo.length - timeline.length,
    consoleTail: lastLines(consoleLog, limits.consoleLines),
    // A loader refusing an option prints the refusal before its usage text: those lines first.
    schedulerOutputTail: exit ? tellingLines(withoutExitDump(exit.output), limits.outputLines) : [],
    error: error instanceof Error && kind === 'assertion' && error.stack ? error.stack : message,
    // Auto-repro usually attaches its report after the dump is made (ktstrTest: withAutoRepro).
    ...(result?.autoRepro ? { autoRepro: autoReproSection(result.autoRepro) } : {}),
  };
}

function exitDumpMissing(kind: FailureKind, phase: 'attach' | 'run' | undefined): string {
  if (kind === 'verifier-rejection') return 'the scheduler never ran: the kernel writes an exit dump only for a scheduler that was enabled';
  if (phase === undefined) return 'the scheduler did not exit: the kernel writes its exit dump only when a scheduler exits with an error';
  if (phase === 'attach') return 'the scheduler exited before sched_ext enabled it: the kernel writes an exit dump only for a scheduler that was enabled';
  return 'the scheduler\'s output holds no exit dump (a clean exit has none; otherwise its loader did not print the kernel\'s dump)';
}

/** The output without the dump it carries, which has its own section. */
function withoutExitDump(output: string): string {
  return output
    .replace(/scx-ktstr: exit dump-begin\n[\s\S]*?scx-ktstr: exit dump-end\n?/g, '')
    .replace(/DEBUG DUMP\n=+\n[\s\S]*?\n=+\n?/g, '');
}
