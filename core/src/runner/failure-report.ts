/**
 * What a failed cell's record says about why: a reason of one line without the cell's name
 * (the summary prints the name already), a few lines that explain it, and a file with
 * everything. For a scheduler exit the explaining lines are the scheduler's own last words and
 * the kernel's sched_ext lines, because "exited with status 1 before sched_ext was enabled"
 * alone never says what to fix; the error message the scheduler printed does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { CellError, SchedulerExitError } from './cell-vm.js';
import { isScenarioDoesNotFit, SCENARIO_DOES_NOT_FIT } from '../scenario/does-not-fit.js';
import type { TestGates } from '../gauntlet/gates.js';

/** Lines of the scheduler's output and of the console shown in the summary; the file has all. */
const TAIL_LINES = 10;

export interface FailureReport {
  reason: string;
  detail: string[];
  /** Everything known about the failure, for the detail file. */
  full: string;
  /**
   * Set when the cell's scenario (or an assertion) asked the topology for something it lacks:
   * the test's mistake, fixed by `gate` on the test, not a failure of the scheduler.
   */
  kind?: typeof SCENARIO_DOES_NOT_FIT;
  gate?: TestGates;
}

const tail = (text: string, n: number) => text.trimEnd().split('\n').filter((l) => l.trim() !== '').slice(-n);

/** Lines that state a problem, in the words programs use for one. */
const PROBLEM = /error:|unrecognized|invalid|unknown|failed|cannot|can't|couldn't|no such|not found|denied|fatal|panic/i;

/**
 * The lines of a program's output worth showing: its last lines, and before them the first few
 * that state a problem. A program refusing an option prints the refusal first and its usage
 * after it, so the last lines alone would be the usage text without the reason.
 */
export function tellingLines(text: string, n: number): string[] {
  const lines = text.trimEnd().split('\n').filter((l) => l.trim() !== '');
  if (lines.length <= n) return lines;
  const tailStart = lines.length - n + Math.min(3, lines.slice(0, lines.length - n).filter((l) => PROBLEM.test(l)).length);
  const early = lines.slice(0, tailStart).filter((l) => PROBLEM.test(l)).slice(0, 3);
  return [...early, '...', ...lines.slice(tailStart)];
}

export function failureReport(error: unknown, cellName: string): FailureReport {
  const message = error instanceof Error ? error.message : String(error);
  const stripName = (line: string) => (line.startsWith(`${cellName}: `) ? line.slice(cellName.length + 2) : line);
  // The stack starts with the message; either is the first section, not both.
  const sections: string[] = [error instanceof Error && error.stack ? error.stack : message];
  if (error instanceof SchedulerExitError) {
    const exit = error.result.schedulerExit!;
    const out = tellingLines(exit.output, TAIL_LINES);
    sections.push(`scheduler output:\n${exit.output}`, `kernel sched_ext lines:\n${exit.dmesg.join('\n')}`, `console:\n${error.result.consoleLog}`);
    return {
      reason: `scheduler ${error.result.scheduler ?? ''} exited during ${exit.phase}: ${exit.reason}`,
      detail: [
        out.length ? `scheduler output (${out.includes('...') ? 'the lines stating a problem, then the last lines' : 'all of it'}):` : 'scheduler output: (none)',
        ...out.map((l) => `  ${l}`),
        exit.dmesg.length ? 'kernel sched_ext lines:' : 'kernel sched_ext lines: (none)', ...exit.dmesg.map((l) => `  ${l}`),
      ],
      full: sections.join('\n\n'),
    };
  }
  if (error instanceof CellError) {
    const console = tail(error.consoleLog, TAIL_LINES);
    sections.push(`console:\n${error.consoleLog}`);
    return {
      reason: stripName(error.firstLine),
      detail: console.length ? [`console (last ${console.length} lines):`, ...console.map((l) => `  ${l}`)] : [],
      full: sections.join('\n\n'),
    };
  }
  // Assertions and other errors: their message is the explanation; node's diff lines included.
  const lines = message.split('\n');
  if (isScenarioDoesNotFit(error)) {
    return { reason: stripName(lines[0] ?? ''), detail: lines.slice(1), full: sections.join('\n\n'), kind: SCENARIO_DOES_NOT_FIT, gate: { ...error.gate } };
  }
  if (error !== null && typeof error === 'object' && !(error instanceof Error)) sections.push(inspect(error, { depth: 3 }));
  return { reason: stripName(lines[0] ?? ''), detail: lines.slice(1).filter((l) => l.trim() !== '').slice(0, 20), full: sections.join('\n\n') };
}

/** Writes the report beside the run's event file; returns the path, or undefined outside a `ktstr test` run. */
export function writeFailureFile(runDir: string | undefined, cellName: string, report: FailureReport, output: string): string | undefined {
  if (!runDir) return undefined;
  try {
    const dir = join(runDir, 'cells');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${cellName.replace(/[^A-Za-z0-9._+-]+/g, '_')}.log`);
    writeFileSync(path, `${cellName}\n\n${report.full}\n${output ? `\noutput of the test body:\n${output}` : ''}`);
    return path;
  } catch {
    return undefined; // the summary still has the reason and its lines
  }
}
