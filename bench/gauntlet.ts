/**
 * bench/gauntlet: gauntlet throughput with parallel jobs. Runs the same fixed 6-cell gauntlet
 * (bench/gauntlet-cells.ktstr.ts) with `--jobs 1` and with `--jobs 2` (each job pinned to its own
 * CPU budget of --cpu-cap 1), after one untimed warm-up run that makes the post-boot snapshots,
 * and prints cells per minute for both and their ratio.
 *
 *   node --import tsx bench/gauntlet.ts        (takes a few minutes)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = join(import.meta.dirname, '..');
const fixture = join(root, 'bench/gauntlet-cells.ktstr.ts');

function gauntlet(jobs: number): { cells: number; seconds: number } {
  const started = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'cli/bin/ktstr.js'), 'test', fixture, '--gauntlet', '--jobs', String(jobs), '--cpu-cap', '1', '--json'], {
    cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`--jobs ${jobs} failed (exit ${r.status}):\n${r.stderr.slice(-3000)}`);
  const results = JSON.parse(r.stdout) as { cells: { status: string }[] };
  const passed = results.cells.filter((c) => c.status === 'passed').length;
  if (passed !== 6) throw new Error(`expected 6 passing cells, got ${passed}`);
  return { cells: passed, seconds };
}

process.stderr.write('warm-up (snapshots)...\n');
gauntlet(2);
const one = gauntlet(1);
const two = gauntlet(2);
const perMin = (x: { cells: number; seconds: number }) => (x.cells / x.seconds) * 60;
process.stdout.write(`--jobs 1: ${one.cells} cells in ${one.seconds.toFixed(1)} s = ${perMin(one).toFixed(2)} cells/min\n`);
process.stdout.write(`--jobs 2: ${two.cells} cells in ${two.seconds.toFixed(1)} s = ${perMin(two).toFixed(2)} cells/min\n`);
process.stdout.write(`ratio jobs2/jobs1: ${(perMin(two) / perMin(one)).toFixed(2)}x\n`);
