/**
 * The cell description, version 2 (docs/scenario-wire-v2.md): header lines, then cgroup
 * definitions and steps, all already resolved to CPU numbers by validateScenario.
 */
import { KtstrError } from '../errors.js';
import { formatCpulist } from '../topology/cpulist.js';
import type { ResolvedScenario } from './validate.js';

export interface CellHeader {
  scheduler?: { guestPath: string; args: readonly string[] };
  schedTimeoutMs: number;
  settleMs?: number;
  /** Lines written as-is to the console log (markers for humans). */
  log?: readonly string[];
}

function headerLines(h: CellHeader): string[] {
  const lines = ['ktstr-cell 2'];
  if (h.scheduler) {
    lines.push(`scheduler ${h.scheduler.guestPath}`);
    h.scheduler.args.forEach((a, i) => {
      if (a.includes('\n') || a.includes('\r')) throw new KtstrError(`schedArgs[${i}]`, a, 'contains a newline', 'Pass one argument per array element.');
      lines.push(`sched_arg ${a}`);
    });
    lines.push(`sched_timeout_ms ${Math.max(1, Math.round(h.schedTimeoutMs))}`);
  }
  if (h.settleMs) lines.push(`settle_ms ${Math.round(h.settleMs)}`);
  for (const l of h.log ?? []) lines.push(`log ${l.replace(/[\r\n]+/g, ' ')}`);
  return lines;
}

/**
 * An attach request ('A' frame): only the scheduler's launch lines of the header, the same ones
 * the cell will carry (the agent checks that the cell names the scheduler it attached).
 */
export function encodeAttachRequest(h: CellHeader & { scheduler: NonNullable<CellHeader['scheduler']> }): string {
  return `${headerLines({ scheduler: h.scheduler, schedTimeoutMs: h.schedTimeoutMs }).join('\n')}\n`;
}

const policyLine = (p: NonNullable<ResolvedScenario['cgroups'][number]['policy']>) =>
  p.kind === 'fifo' || p.kind === 'rr' ? `policy ${p.kind} ${p.priority}` : `policy ${p.kind}`;

/** The text of a `ktstr-cell 2` scenario cell. */
export function encodeScenarioCell(s: ResolvedScenario, header: CellHeader): string {
  const lines = headerLines(header);
  for (const c of s.cgroups) {
    lines.push(`cgroup ${c.name}`);
    if (c.cpus) lines.push(`cpuset ${formatCpulist(c.cpus)}`);
    if (c.weight !== undefined) lines.push(`weight ${c.weight}`);
    if (c.workers !== undefined && c.work) {
      lines.push(`workers ${c.workers}`);
      lines.push(`work ${c.work.type}`);
      for (const [k, v] of Object.entries(c.work.params)) lines.push(`param ${k} ${v}`);
      if (c.work.command !== undefined) lines.push(`command ${c.work.command}`);
      if (c.pcomm !== undefined) lines.push(`pcomm ${c.pcomm}`);
      else if (c.clone === 'thread') lines.push('clone thread');
      if (c.comm !== undefined) lines.push(`comm ${c.comm}`);
      if (c.nice !== undefined) lines.push(`nice ${c.nice}`);
      if (c.policy) lines.push(policyLine(c.policy));
      if (c.affinity && 'all' in c.affinity) lines.push(`affinity ${formatCpulist(c.affinity.all)}`);
      if (c.affinity && 'perWorker' in c.affinity) c.affinity.perWorker.forEach((cpus, i) => lines.push(`worker_affinity ${i} ${formatCpulist(cpus)}`));
    }
    lines.push('end');
  }
  for (const st of s.steps) {
    lines.push(`step ${st.name}`);
    for (const o of st.ops) lines.push(`op ${o.op} ${o.cgroup}${o.arg !== undefined ? ` ${o.arg}` : ''}`);
    lines.push(`hold_ms ${st.holdMs}`);
    if (st.loopMs !== undefined) lines.push(`loop_ms ${st.loopMs}`);
    lines.push('end');
  }
  return `${lines.join('\n')}\n`;
}

/** A cell that runs one command (`exec`) or an interactive shell on the serial console. */
export interface CommandCellInput extends CellHeader {
  command: { exec: string } | { shell: true; term?: string };
}

export function buildCommandCell(input: CommandCellInput): string {
  const lines = headerLines(input);
  if ('exec' in input.command) {
    const cmd = input.command.exec;
    if (cmd.trim() === '' || cmd.includes('\n')) {
      throw new KtstrError('--exec', cmd, cmd.trim() === '' ? 'is empty' : 'contains a newline', 'Give one shell command line; join commands with ; or &&.');
    }
    lines.push(`exec ${cmd}`);
  } else {
    lines.push('shell');
    const term = input.command.term;
    if (term !== undefined && /^[A-Za-z0-9._+-]{1,63}$/.test(term)) lines.push(`term ${term}`);
  }
  return `${lines.join('\n')}\n`;
}
