/**
 * bench/vm-suite: wall time of the project's own VM tests (test/vm) with post-boot snapshots
 * (the default) and with every cell cold-booted (KTSTR_COLD_BOOT=1), run back to back in this
 * script. Prints the times and the speed-up. Snapshots are made fresh by a first run (timed too:
 * what a new machine pays once), then the suite runs again with them warm.
 * Some tests cold-boot on purpose (cold-vs-restored equivalence) and most cells hold their
 * workers for seconds, so the suite gains less than a single cell start does.
 *
 *   node --import tsx bench/vm-suite.ts
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cleanSnapshots } from '@ktstr/core';

const root = join(import.meta.dirname, '..');
const files = readdirSync(join(root, 'test/vm')).filter((f) => f.endsWith('.test.ts')).map((f) => join('test/vm', f));

function run(label: string, env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], { cwd: root, env, encoding: 'utf8' });
  const s = (performance.now() - t0) / 1000;
  const summary = r.stdout.split('\n').filter((l) => /^# (pass|fail)/.test(l)).join(', ');
  process.stderr.write(`${label}: ${s.toFixed(1)} s (${summary})\n`);
  if (r.status !== 0) throw new Error(`${label} failed:\n${r.stdout.slice(-3000)}`);
  return s;
}

cleanSnapshots();
const snapshotEnv = { ...process.env, KTSTR_COLD_BOOT: undefined };
const making = run('with snapshots, making them', snapshotEnv);
const warm = run('with snapshots, warm', snapshotEnv);
const cold = run('cold boots', { ...process.env, KTSTR_COLD_BOOT: '1' });
const s1 = (x: number) => Number(x.toFixed(1));
console.log(JSON.stringify({
  files: files.length,
  makingSnapshotsSeconds: s1(making),
  warmSnapshotsSeconds: s1(warm),
  coldSeconds: s1(cold),
  speedupWarm: Number((cold / warm).toFixed(2)),
}, null, 2));
