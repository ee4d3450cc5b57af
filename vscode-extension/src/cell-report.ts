/**
 * What the Test Results panel shows of a cell: a line when it starts, and when it ends its
 * outcome with the numbers a scheduler author looks at first (iterations, spread, gaps, wake
 * latency, boot and scenario time), or for a failure the reason and the lines that explain it
 * (scheduler output, sched_ext lines, console tail). The panel is a terminal, so lines end in
 * CRLF. Pure functions of the cell's record, without the `vscode` module.
 */
import type { CellMetrics, FailureDump } from '@ktstr/core';
import { renderFailureDump } from '@ktstr/core/failure-dump-render';
import type { CellOutcome } from './cell-run.js';

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function seconds(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')} s`;
}

function micros(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${Math.round(us)} µs`;
}

/** One line of metrics (docs/metrics.md); a field the record lacks is left out. */
export function metricsLine(m: Partial<CellMetrics>): string {
  const parts: string[] = [];
  if (num(m.totalIterations)) parts.push(`${m.totalIterations.toLocaleString('en-US')} iterations`);
  if (num(m.worstSpread)) parts.push(`worst spread ${(m.worstSpread * 100).toFixed(1)}%`);
  if (num(m.worstGapMs)) parts.push(`worst gap ${m.worstGapMs.toFixed(1)} ms`);
  if (num(m.p99WakeLatencyUs)) parts.push(`p99 wake latency ${micros(m.p99WakeLatencyUs)}`);
  if (num(m.meanRunDelayUs)) parts.push(`mean run delay ${micros(m.meanRunDelayUs)}`);
  if (num(m.totalMigrations)) parts.push(`${m.totalMigrations} migration${m.totalMigrations === 1 ? '' : 's'}`);
  if (num(m.maxImbalanceRatio)) parts.push(`imbalance ${m.maxImbalanceRatio.toFixed(2)}`);
  return parts.join(', ');
}

/** Where the time went: the whole cell, then boot (how) and the scenario. */
function timingText(o: CellOutcome): string {
  const total = o.timing?.totalMs ?? o.durationMs;
  const head = num(total) ? ` in ${seconds(total)}` : '';
  const t = o.timing;
  if (!t || !num(t.bootMs)) return head;
  const scenario = num(t.scenarioMs) ? `, scenario ${seconds(t.scenarioMs)}` : '';
  return `${head} (boot ${seconds(t.bootMs)}${t.bootedHow ? ` ${t.bootedHow}` : ''}${scenario})`;
}

const crlf = (lines: readonly string[]) => `${lines.join('\r\n')}\r\n`;
const indented = (text: string, by: string) => text.replace(/\r?\n$/, '').split(/\r?\n/).map((l) => `${by}${l}`);

export function cellStartText(name: string): string {
  return crlf([`▶ ${name}: started`]);
}

/**
 * A finished cell: the status line, then the metrics (whole cell; per cgroup and per step when
 * there are several), a failure's dump (or, without one, its explaining lines) and detail file,
 * and what the body printed.
 */
export function cellOutcomeText(o: CellOutcome, dump?: FailureDump): string {
  if (o.status === 'skipped') return crlf([`○ ${o.name}: skipped${o.skipReason ? ` (${o.skipReason})` : ''}`]);
  const lines: string[] = [];
  if (o.status === 'passed') lines.push(`✔ ${o.name}: passed${timingText(o)}`);
  else if (dump) lines.push(`✘ ${o.name}: failed${timingText(o)}`, ...indented(renderFailureDump(dump), '  '));
  else lines.push(`✘ ${o.name}: failed${timingText(o)}`, `  ${o.error ?? '(no reason recorded)'}`);
  if (!dump) for (const l of o.detail ?? []) lines.push(`  ${l}`);
  const m = o.metrics;
  // A scheduler that died before the workers ran leaves all-zero numbers, which only distract
  // from the reason.
  const ranNothing = o.status === 'failed' && m?.run?.totalIterations === 0;
  if (m?.run && !ranNothing) {
    const run = metricsLine(m.run);
    if (run) lines.push(`  metrics: ${run}`);
    const cgroups = Object.entries(m.cgroups ?? {});
    if (cgroups.length > 1) for (const [name, cm] of cgroups) lines.push(`    cgroup ${name}: ${metricsLine(cm)}`);
    const steps = m.steps ?? [];
    if (steps.length > 1) for (const s of steps) lines.push(`    step ${s.name}: ${metricsLine(s.metrics)}`);
  }
  if (o.output) lines.push('  output of the test body:', ...indented(o.output, '    | '));
  if (o.failureDump) lines.push(`  failure dump: ${o.failureDump}`);
  if (o.detailFile) lines.push(`  full detail: ${o.detailFile}`);
  return crlf(lines);
}

/**
 * The failure message shown at the test's line: the BUG SUMMARY when the cell has a failure dump
 * (the editor shows the first line inline), else the reason; then the lines that explain it.
 */
export function failureMessageText(o: CellOutcome): string {
  const reason = o.error ?? 'failed (see the ktstr output channel)';
  const head = o.bugSummary ? `BUG SUMMARY: ${o.bugSummary}` : reason;
  const rest = [
    ...(o.bugSummary && o.bugSummary !== reason ? [reason] : []), ...(o.detail ?? []),
    ...(o.failureDump ? [`failure dump: ${o.failureDump}`] : []), ...(o.detailFile ? [`full detail: ${o.detailFile}`] : []),
  ];
  return rest.length ? `${head}\n\n${rest.join('\n')}` : head;
}
