/**
 * bench/completion: what one Tab after `--filter` costs. The old way ran a discovery
 * (`ktstr test --list --json`, which imports every test file under the TypeScript loader) and
 * picked the test names out of it; completion now reads the index of test names discovery
 * keeps (cli/src/complete-tests.ts). Both run in the repository root, on the default paths,
 * ROUNDS times each after one untimed run that fills the index, and the medians are printed
 * with their ratio. Target: the index path under 200 ms.
 *
 *   node --import tsx bench/completion.ts       (KTSTR_BENCH_ROUNDS=5 by default)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = join(import.meta.dirname, '..');
const rounds = Number(process.env.KTSTR_BENCH_ROUNDS ?? 5);

function timed(args: string[]): { ms: number; names: string[] } {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const ms = performance.now() - started;
  // 2 with output: a listing that also reports test files failing to load, still a listing.
  if (r.status !== 0 && !(r.status === 2 && r.stdout)) throw new Error(`${args.join(' ')} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return { ms, names: r.stdout.trim().split('\n') };
}

const listed = () => {
  const t = timed([join(root, 'cli/bin/ktstr.js'), 'test', '--list', '--json']);
  return { ms: t.ms, names: (JSON.parse(t.names.join('\n')) as { tests: string[] }).tests };
};
const indexed = () => timed([join(root, 'cli/dist/complete-tests.js')]);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

listed(); // fills the index, as any earlier run or listing would have
const old = Array.from({ length: rounds }, listed);
const now = Array.from({ length: rounds }, indexed);
if (JSON.stringify([...old[0]!.names].sort()) !== JSON.stringify([...now[0]!.names].sort())) {
  throw new Error(`the two ways disagree:\n  list: ${old[0]!.names.join(', ')}\n  index: ${now[0]!.names.join(', ')}`);
}
const a = median(old.map((x) => x.ms));
const b = median(now.map((x) => x.ms));
process.stdout.write(`${now[0]!.names.length} test names, median of ${rounds}\n`);
process.stdout.write(`old (ktstr test --list --json):  ${a.toFixed(0)} ms\n`);
process.stdout.write(`index (complete-tests.js):       ${b.toFixed(0)} ms\n`);
process.stdout.write(`ratio old/index: ${(a / b).toFixed(1)}x\n`);
