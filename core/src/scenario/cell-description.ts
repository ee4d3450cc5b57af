/**
 * The text a cell sends the guest agent (format: docs/guest-protocol.md, "Cell description").
 * Everything topology-relative is resolved here, on the host, so the agent only ever sees
 * CPU numbers; every field is validated here first, so a bad scenario fails before any VM boots,
 * with the path of the bad field.
 */
import { KtstrError } from '../errors.js';
import type { Topology } from '../topology/topology.js';
import { formatCpulist } from '../topology/cpulist.js';
import type { CgroupDef } from './cgroup.js';
import { resolveCpuset } from './cpuset.js';
import { WORK_TYPES } from './work.js';

export interface CellDescriptionInput {
  topology: Topology;
  scheduler?: { guestPath: string; args: readonly string[] };
  schedTimeoutMs: number;
  durationMs: number;
  cgroups: readonly CgroupDef[];
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_WORKERS_PER_CGROUP = 1024;

function headerLines(scheduler: CellDescriptionInput['scheduler'], schedTimeoutMs: number): string[] {
  const lines = ['ktstr-cell 1'];
  if (scheduler) {
    lines.push(`scheduler ${scheduler.guestPath}`);
    scheduler.args.forEach((a, i) => {
      if (a.includes('\n')) throw new KtstrError(`schedArgs[${i}]`, a, 'contains a newline', 'Pass one argument per array element.');
      lines.push(`sched_arg ${a}`);
    });
    lines.push(`sched_timeout_ms ${Math.round(schedTimeoutMs)}`);
  }
  return lines;
}

/** A cell that runs one command (`exec`) or an interactive shell on the serial console. */
export interface CommandCellInput {
  scheduler?: { guestPath: string; args: readonly string[] };
  schedTimeoutMs: number;
  command: { exec: string } | { shell: true; term?: string };
}

export function buildCommandCell(input: CommandCellInput): string {
  const lines = headerLines(input.scheduler, input.schedTimeoutMs);
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

export function buildCellDescription(input: CellDescriptionInput): string {
  const lines = headerLines(input.scheduler, input.schedTimeoutMs);
  lines.push(`duration_ms ${Math.round(input.durationMs)}`);
  const seen = new Set<string>();
  input.cgroups.forEach((cg, i) => {
    const at = `cgroups[${i}]`;
    if (!NAME.test(cg.name)) throw new KtstrError(`${at}.name`, cg.name, 'is not a valid cgroup name', 'Use 1-64 letters, digits, _ or -.');
    if (seen.has(cg.name)) throw new KtstrError(`${at}.name`, cg.name, 'is used twice', 'Give every cgroup its own name.');
    seen.add(cg.name);
    if (!Number.isInteger(cg.workers) || cg.workers < 1 || cg.workers > MAX_WORKERS_PER_CGROUP) {
      throw new KtstrError(`${at}.workers`, cg.workers, `must be a whole number from 1 to ${MAX_WORKERS_PER_CGROUP}`, 'Set workers accordingly.');
    }
    if (!WORK_TYPES.includes(cg.work?.type)) {
      throw new KtstrError(`${at}.work`, cg.work, 'is not a known work type', `Use one of work.${['spinWait', 'yieldHeavy', 'mixed', 'bursty', 'pipeIo', 'futexPingPong'].join('(), work.')}().`);
    }
    lines.push(`cgroup ${cg.name}`);
    if (cg.cpuset) lines.push(`cpuset ${formatCpulist(resolveCpuset(cg.cpuset, input.topology, `${at}.cpuset`))}`);
    lines.push(`workers ${cg.workers}`);
    lines.push(`work ${cg.work.type}`);
    for (const [k, v] of Object.entries(cg.work.params)) {
      if (!Number.isInteger(v) || v < 0) throw new KtstrError(`${at}.work.${k}`, v, 'must be a whole number >= 0', 'Use microseconds or counts as integers.');
      lines.push(`param ${k} ${v}`);
    }
    if (cg.comm !== undefined) {
      if (!/^[^\s]{1,15}$/.test(cg.comm)) throw new KtstrError(`${at}.comm`, cg.comm, 'must be 1-15 characters without spaces', 'The kernel keeps 15 bytes of task->comm.');
      lines.push(`comm ${cg.comm}`);
    }
    if (cg.nice !== undefined) {
      if (!Number.isInteger(cg.nice) || cg.nice < -20 || cg.nice > 19) throw new KtstrError(`${at}.nice`, cg.nice, 'must be from -20 to 19', 'Use a Linux nice value.');
      lines.push(`nice ${cg.nice}`);
    }
    lines.push('end');
  });
  if (input.cgroups.length === 0) throw new KtstrError('cgroups', [], 'is empty', 'Give at least one cgroup(...) with workers.');
  return `${lines.join('\n')}\n`;
}
