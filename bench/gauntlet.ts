/**
 * bench/gauntlet: how many cells a gauntlet gets through, with the start-up paths of
 * docs/snapshots.md on ("new": post-attach snapshots and the spare keeper) and off ("old":
 * KTSTR_ATTACH_SNAPSHOT=0 KTSTR_SPARE_KEEPER=0, the scheduler loaded in every cell and every test
 * file starting its first QEMU itself), both measured in this one run. Sections (all but phases by default):
 *
 *   overhead  per-cell overhead of an scx-ktstr cell, in this process: wall time from
 *             CellVm.boot() to the end of run() minus the scenario's 1000 ms hold; the modes
 *             alternate round by round, each timed cell after an untimed one of its mode (which
 *             prepared its spare). Target <= 0.5 s new.
 *   phases    where that overhead goes, new paths only (not run by default): each moment of one
 *             cell's start-up and shutdown, host side (CellVm and QemuVm marks,
 *             core/src/vm/cell-timeline.ts) and guest side (the agent's messages and the "phases"
 *             of its `done`, put on the host's clock by the smallest message transit seen), as a
 *             table of medians over the rounds. Less sensitive to the host's load than `overhead`.
 *   presets   the 24-cell gauntlet of bench/gauntlet-presets.ktstr.ts (scx-ktstr, six tests over
 *             four presets) through `ktstr test --gauntlet --json`: cells per minute old and new.
 *   examples  the example suite (`ktstr test examples`): cells per minute old and new.
 *   jobs      the 6-cell gauntlet of bench/gauntlet-cells.ktstr.ts with --jobs 1 and --jobs 2.
 *
 * The timed `ktstr test` runs follow one untimed run that makes the snapshots both modes use. On a shared or loaded host the figures move a lot: compare the two modes of one
 * run, not runs of different days.
 *
 *   node --import tsx bench/gauntlet.ts [overhead] [phases] [presets] [examples] [jobs]   (takes many minutes)
 *   KTSTR_BENCH_ROUNDS=N  cells per mode in `overhead`, timed cells in `phases` (default 5)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CellVm, SCX_KTSTR, cgroup, hold, recordCellTimeline, resolveKernel, spareSettled, stopCellTimeline, work } from '@ktstr/core';
import type { CellMark } from '@ktstr/core';

const root = join(import.meta.dirname, '..');
const sections = new Set(process.argv.slice(2).length ? process.argv.slice(2) : ['overhead', 'presets', 'examples', 'jobs']);
const KNOWN_SECTIONS = ['overhead', 'phases', 'presets', 'examples', 'jobs'];
for (const s of sections) if (!KNOWN_SECTIONS.includes(s)) throw new Error(`bench/gauntlet: unknown section '${s}'; the sections are ${KNOWN_SECTIONS.join(', ')}`);
const OLD = { KTSTR_ATTACH_SNAPSHOT: '0', KTSTR_SPARE_KEEPER: '0' };
// '' is the default: the keeper serves node:test file processes.
const NEW = { KTSTR_ATTACH_SNAPSHOT: '1', KTSTR_SPARE_KEEPER: '' };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const report: Record<string, unknown> = {};

/** One `ktstr test` run: passed cells and wall seconds. */
function ktstrTest(args: string[], env: Record<string, string>, label: string): { cells: number; seconds: number } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', ...args, '--json'], {
    cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${label} failed (exit ${r.status}):\n${r.stderr.slice(-3000)}`);
  const results = JSON.parse(r.stdout) as { cells: { status: string }[] };
  const cells = results.cells.filter((c) => c.status === 'passed').length;
  process.stderr.write(`${label}: ${cells} cells in ${seconds.toFixed(1)} s\n`);
  return { cells, seconds };
}

const perMin = (x: { cells: number; seconds: number }) => (x.cells / x.seconds) * 60;

function throughput(name: string, args: string[]): void {
  // One untimed run makes the snapshots of both modes: the post-attach path restores (or makes)
  // the post-boot snapshot first.
  process.stderr.write(`${name}: warm-up run (snapshots)...\n`);
  ktstrTest(args, NEW, `${name} warm-up`);
  const old = ktstrTest(args, OLD, `${name} old`);
  const neu = ktstrTest(args, NEW, `${name} new`);
  report[name] = {
    cells: neu.cells,
    oldSeconds: Number(old.seconds.toFixed(1)), newSeconds: Number(neu.seconds.toFixed(1)),
    oldCellsPerMin: Number(perMin(old).toFixed(2)), newCellsPerMin: Number(perMin(neu).toFixed(2)),
    ratio: Number((perMin(neu) / perMin(old)).toFixed(2)),
  };
  process.stdout.write(`${name}: old ${perMin(old).toFixed(2)} cells/min, new ${perMin(neu).toFixed(2)} cells/min = ${(perMin(neu) / perMin(old)).toFixed(2)}x\n`);
}

async function overhead(): Promise<void> {
  const kernel = await resolveKernel(process.env.KTSTR_KERNEL);
  const rounds = Number(process.env.KTSTR_BENCH_ROUNDS ?? 5);
  const HOLD_MS = 1000;
  const cell = async (mode: Record<string, string>, i: number) => {
    Object.assign(process.env, mode);
    await spareSettled();
    const t0 = performance.now();
    const vm = await CellVm.boot({ name: `bench/overhead/${i}`, kernel, topology: SCX_KTSTR.topology, scheduler: SCX_KTSTR, durationMs: HOLD_MS });
    const booted = performance.now();
    const r = await vm.run([cgroup('spin', { workers: 2, work: work.spinWait() })], hold.fixed(HOLD_MS));
    const ms = performance.now() - t0 - HOLD_MS;
    return { ms, bootMs: booted - t0, how: vm.bootedHow, attachMs: r.messages.find((m) => m.type === 'ready')?.type === 'ready' ? (r.messages.find((m) => m.type === 'ready') as { attach_ms: number }).attach_ms : 0 };
  };
  const out: Record<string, { ms: number[]; how: string[] }> = { old: { ms: [], how: [] }, new: { ms: [], how: [] } };
  // One process: spares are this process's own in both modes; only the attach differs. The modes
  // alternate round by round, so a host whose load changes meanwhile weighs on both alike; each
  // timed cell follows an untimed one of its mode, which prepared its spare (and, the first
  // time, made its snapshots).
  for (let i = 0; i < rounds; i++) {
    for (const [name, mode] of [['old', { KTSTR_ATTACH_SNAPSHOT: '0' }], ['new', { KTSTR_ATTACH_SNAPSHOT: '1' }]] as const) {
      await cell(mode, -1);
      const c = await cell(mode, i);
      out[name]!.ms.push(c.ms);
      out[name]!.how.push(c.how);
      process.stderr.write(`overhead ${name} ${i + 1}/${rounds}: ${c.ms.toFixed(0)} ms (start ${c.bootMs.toFixed(0)} ms, ${c.how})\n`);
    }
  }
  const o = median(out.old!.ms);
  const n = median(out.new!.ms);
  report.overhead = {
    topology: SCX_KTSTR.topology, holdMs: HOLD_MS, rounds,
    oldMedianMs: Math.round(o), newMedianMs: Math.round(n), targetMs: 500, ratio: Number((o / n).toFixed(2)),
    oldMs: out.old!.ms.map(Math.round), newMs: out.new!.ms.map(Math.round), newHow: out.new!.how,
  };
  process.stdout.write(`per-cell overhead (scx-ktstr, wall minus hold): old ${o.toFixed(0)} ms, new ${n.toFixed(0)} ms (target <= 500), ${(o / n).toFixed(2)}x less\n`);
}

/**
 * One cell's moments on the host's clock, ms after boot() was called: the host's marks, and the
 * guest's messages and `done` phases shifted by the guest-to-host clock offset. The offset is the
 * smallest (arrival - t_ms) over the cell's messages: the guest's clock runs at the host's rate
 * under TCG, and the smallest difference is the one with the least transit in it.
 */
function cellMoments(marks: CellMark[], arrivals: { at: number; m: Record<string, unknown> }[]): Map<string, number> {
  const t0 = marks[0]!.atMs;
  const out = new Map<string, number>();
  for (const k of marks) if (!out.has(`host: ${k.what}`)) out.set(`host: ${k.what}`, k.atMs - t0);
  const offset = Math.min(...arrivals.map((a) => a.at - (a.m.t_ms as number)));
  // A restored agent still holds the marks it made before the snapshot: only this cell's count.
  const since = out.get('host: device state loaded') ?? 0;
  const guest = (what: string, tMs: number) => {
    const at = tMs + offset - t0;
    if (at < since) return;
    let name = `guest: ${what}`;
    for (let n = 2; out.has(name); n++) name = `guest: ${what} #${n}`;
    out.set(name, at);
  };
  const workers = arrivals.filter((a) => a.m.type === 'worker');
  for (const { m } of arrivals) {
    if (m.type === 'ready') guest('ready sent', m.t_ms as number);
    else if (m.type === 'event') guest(`op ${String(m.op)} ${String(m.cgroup)} applied`, m.t_ms as number);
    else if (m.type === 'step') guest(`step ${String(m.index)} ${String(m.phase)}`, m.t_ms as number);
    else if (m.type === 'done') {
      for (const [what, us] of (m.phases as [string, number][] | undefined) ?? []) guest(what, us / 1000);
      guest('done sent', m.t_ms as number);
    }
  }
  if (workers.length) guest('last worker reported', workers.at(-1)!.m.t_ms as number);
  return out;
}

async function phases(): Promise<void> {
  const kernel = await resolveKernel(process.env.KTSTR_KERNEL);
  const rounds = Number(process.env.KTSTR_BENCH_ROUNDS ?? 5);
  const HOLD_MS = 1000;
  Object.assign(process.env, { KTSTR_ATTACH_SNAPSHOT: '1' });
  const runs: Map<string, number>[] = [];
  // One untimed cell first: it makes the snapshots if needed and prepares the first spare.
  for (let i = -1; i < rounds; i++) {
    await spareSettled();
    const marks = recordCellTimeline();
    const arrivals: { at: number; m: Record<string, unknown> }[] = [];
    const vm = await CellVm.boot({ name: `bench/phases/${i}`, kernel, topology: SCX_KTSTR.topology, scheduler: SCX_KTSTR, durationMs: HOLD_MS });
    vm.onGuestMessage((m) => arrivals.push({ at: performance.now(), m: m as unknown as Record<string, unknown> }));
    await vm.run([cgroup('spin', { workers: 2, work: work.spinWait() })], hold.fixed(HOLD_MS));
    stopCellTimeline();
    const moments = cellMoments(marks, arrivals);
    const wall = moments.get('host: result built')!;
    process.stderr.write(`phases ${i < 0 ? 'warm-up' : `${i + 1}/${rounds}`}: overhead ${(wall - HOLD_MS).toFixed(0)} ms (${vm.bootedHow})\n`);
    if (i >= 0) runs.push(moments);
  }
  // Rows in the order of their median moment; each row's step is the median over rounds of the
  // time since the row before it.
  const names = [...new Set(runs.flatMap((r) => [...r.keys()]))];
  const at = (n: string) => median(runs.flatMap((r) => (r.has(n) ? [r.get(n)!] : [])));
  names.sort((a, b) => at(a) - at(b));
  const rows = names.map((n, i) => {
    const steps = runs.flatMap((r) => (i > 0 && r.has(n) && r.has(names[i - 1]!) ? [r.get(n)! - r.get(names[i - 1]!)!] : []));
    return { moment: n, atMs: Math.round(at(n)), stepMs: steps.length ? Math.round(median(steps)) : 0, stepMinMs: steps.length ? Math.round(Math.min(...steps)) : 0, stepMaxMs: steps.length ? Math.round(Math.max(...steps)) : 0 };
  });
  const width = Math.max(...rows.map((r) => r.moment.length));
  process.stdout.write(`phases of one scx-ktstr cell (new paths, ${rounds} rounds, hold ${HOLD_MS} ms; ms after boot() was called, medians):\n`);
  process.stdout.write(`${'moment'.padEnd(width)}  ${'at'.padStart(6)}  ${'step'.padStart(6)}  step range\n`);
  for (const r of rows) process.stdout.write(`${r.moment.padEnd(width)}  ${String(r.atMs).padStart(6)}  ${String(r.stepMs).padStart(6)}  ${r.stepMinMs}–${r.stepMaxMs}\n`);
  const overheads = runs.map((r) => r.get('host: result built')! - HOLD_MS);
  process.stdout.write(`overhead (wall minus hold): median ${median(overheads).toFixed(0)} ms (${Math.min(...overheads).toFixed(0)}–${Math.max(...overheads).toFixed(0)})\n`);
  report.phases = { rounds, holdMs: HOLD_MS, overheadMedianMs: Math.round(median(overheads)), overheadMs: overheads.map(Math.round), rows };
}

if (sections.has('overhead')) await overhead();
if (sections.has('phases')) await phases();
if (sections.has('presets')) throughput('presets', [join(root, 'bench/gauntlet-presets.ktstr.ts'), '--gauntlet']);
if (sections.has('examples')) throughput('examples', [join(root, 'examples')]);
if (sections.has('jobs')) {
  const fixture = join(root, 'bench/gauntlet-cells.ktstr.ts');
  const jobs = (n: number) => ktstrTest([fixture, '--gauntlet', '--jobs', String(n), '--cpu-cap', '1'], {}, `--jobs ${n}`);
  jobs(2); // warm-up
  const one = jobs(1);
  const two = jobs(2);
  report.jobs = { jobs1CellsPerMin: Number(perMin(one).toFixed(2)), jobs2CellsPerMin: Number(perMin(two).toFixed(2)), ratio: Number((perMin(two) / perMin(one)).toFixed(2)) };
  process.stdout.write(`--jobs 1: ${perMin(one).toFixed(2)} cells/min, --jobs 2: ${perMin(two).toFixed(2)} cells/min = ${(perMin(two) / perMin(one)).toFixed(2)}x\n`);
}
console.log(JSON.stringify(report, null, 2));
