/**
 * One `ktstr test` run of the soak cells, as a user starts it: the real CLI in a process group
 * of its own, its results document (--json) on stdout, its progress on stderr. The soak watches
 * its processes and injects faults while it runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot, soakCellsFile, type SoakEnv } from './soak-env.js';
import { alive, soakProcesses, type SoakProcess } from './processes.js';

export interface CellVerdict {
  name: string;
  status: string;
  reason?: string;
}

export interface RunEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The cells of the results document, or undefined when the runner printed none (killed). */
  cells: CellVerdict[] | undefined;
  /** The run did not end by itself within its deadline and was killed by the soak. */
  hung: boolean;
}

export interface SoakRun {
  pid: number;
  stderr(): string;
  ended: Promise<RunEnd>;
  processes(): SoakProcess[];
}

/** How long any run may take before the soak calls it a hang: a cell's longest timeout plus margin. */
export const RUN_DEADLINE_MS = 240_000;

export function startRun(env: SoakEnv, o: { filter?: string; extraEnv?: NodeJS.ProcessEnv } = {}): SoakRun {
  const args = [join(repoRoot, 'cli/bin/ktstr.js'), 'test', soakCellsFile, '--json'];
  if (o.filter) args.push('--filter', o.filter);
  const child = spawn(process.execPath, args, { cwd: env.scratch, env: env.runEnv(o.extraEnv), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let hung = false;
  const deadline = setTimeout(() => {
    hung = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }, RUN_DEADLINE_MS);
  const ended = new Promise<RunEnd>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      let cells: CellVerdict[] | undefined;
      try {
        cells = (JSON.parse(stdout) as { cells: CellVerdict[] }).cells;
      } catch {
        cells = undefined;
      }
      resolve({ code, signal, stdout, stderr, cells, hung });
    });
  });
  return {
    pid: child.pid!,
    stderr: () => stderr,
    ended,
    processes: () => soakProcesses(env.mark).filter(alive),
  };
}

/** Waits until `cond` holds (polling), or the run ends, or `timeoutMs` passes; true when it held. */
export async function waitUntil(run: SoakRun, cond: () => boolean, timeoutMs = 120_000): Promise<boolean> {
  let over = false;
  void run.ended.then(() => (over = true));
  const until = Date.now() + timeoutMs;
  while (!over && Date.now() < until) {
    if (cond()) return true;
    await sleep(50);
  }
  return cond();
}

/**
 * The QEMU running the faulted cell. A run also has spares (paused QEMUs waiting for the next
 * cell, some of them children of the spare keeper, and a QEMU handed over by the keeper stays
 * its child), so neither age nor parentage tells. What does: the cell's process holds the host
 * end of its VM's channel, a Unix socket whose peer is that QEMU (`ss -xp` pairs them by inode).
 * With a single QEMU in the run there is nothing to tell apart. Otherwise no guess: a busiest-CPU
 * pick once hit a spare being launched, and the cell passed untouched, which judged the product
 * for a fault that never reached it. Undefined then, and the fault reports itself not injected.
 */
export async function busyQemu(run: SoakRun): Promise<SoakProcess | undefined> {
  // The cell's process connects to its QEMU's sockets a moment after QEMU starts: look for up to 5 s.
  for (const until = Date.now() + 5000; Date.now() < until; await sleep(50)) {
    const cell = cellProcess(run);
    if (!cell) continue;
    const peers = socketPeers(cell.pid);
    const q = run.processes().find((p) => p.role === 'qemu' && peers.has(p.pid));
    if (q) return q;
  }
  const qemus = run.processes().filter((p) => p.role === 'qemu');
  return qemus.length === 1 ? qemus[0] : undefined;
}

/** The pids at the other end of `pid`'s connected Unix sockets. */
function socketPeers(pid: number): Set<number> {
  const r = spawnSync('ss', ['-xpnH'], { encoding: 'utf8' });
  if (r.status !== 0) return new Set();
  const owners = new Map<string, number[]>();
  const peerOf = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    // u_str ESTAB 0 0 <local path or *> <inode> <peer path or *> <peer inode> users:(("name",pid=N,fd=F),...)
    const m = /^\S+\s+\S+\s+\d+\s+\d+\s+\S+\s+(\d+)\s+\S+\s+(\d+)\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    peerOf.set(m[1]!, m[2]!);
    owners.set(m[1]!, [...m[3]!.matchAll(/pid=(\d+)/g)].map((x) => Number(x[1])));
  }
  const out = new Set<number>();
  for (const [inode, pids] of owners) {
    if (!pids.includes(pid)) continue;
    for (const p of owners.get(peerOf.get(inode) ?? '') ?? []) out.add(p);
  }
  return out;
}

/** Any QEMU of the run is up. */
export function cellQemu(run: SoakRun): SoakProcess | undefined {
  return run.processes().find((p) => p.role === 'qemu');
}

/** The node:test process that runs the cell: the one whose cells file it runs (not node's test runner, not the spare keeper). */
export function cellProcess(run: SoakRun): SoakProcess | undefined {
  return run.processes().find((p) => p.role === 'test-child' && /soak-cells\.ktstr\.ts/.test(p.cmdline) && !/ --test /.test(` ${p.cmdline} `));
}

/** The cell is in its guest: QEMU runs and the first cell has not ended yet. */
export function inFirstCell(run: SoakRun): boolean {
  return !/\[1\/\d+\]/.test(run.stderr()) && cellQemu(run) !== undefined;
}

export const verdictOf = (end: RunEnd, cell: string): CellVerdict | undefined => end.cells?.find((c) => c.name.startsWith(`${cell}/`));
