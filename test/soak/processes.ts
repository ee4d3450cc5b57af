/**
 * The processes of one soak: every process the soak starts carries KTSTR_SOAK_MARK in its
 * environment, and children inherit it (the runner, its node:test child, setpriv, QEMU), so a
 * process is ours by its environment, whoever its parent is now. Orphans reparented to init
 * are found too, which a walk down from the runner would miss.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface SoakProcess {
  pid: number;
  ppid: number;
  role: 'runner' | 'test-child' | 'qemu' | 'other';
  cmdline: string;
  /** Clock ticks after boot: orders QEMUs (the cell's before its spare). */
  startTicks: number;
  /** T when stopped (SIGSTOP), Z for a zombie. */
  state: string;
}

export function soakProcesses(mark: string): SoakProcess[] {
  const needle = `KTSTR_SOAK_MARK=${mark}\0`;
  const out: SoakProcess[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle)) continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ');
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      // Fields after the command name, which may itself hold spaces and parentheses.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid, ppid: Number(rest[1]), state: rest[0]!, startTicks: Number(rest[19]), cmdline, role: roleOf(cmdline) });
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return out.sort((a, b) => a.startTicks - b.startTicks);
}

function roleOf(cmdline: string): SoakProcess['role'] {
  if (/qemu-system/.test(cmdline) && !cmdline.startsWith('setpriv')) return 'qemu';
  if (/\bktstr\.js test\b/.test(cmdline)) return 'runner';
  if (/ --test\b/.test(cmdline) && !cmdline.startsWith('setpriv')) return 'test-child';
  return 'other';
}

/** Live processes (zombies are dead already and only wait for their parent). */
export const alive = (p: SoakProcess) => p.state !== 'Z';
