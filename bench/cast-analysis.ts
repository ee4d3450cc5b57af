/**
 * bench/cast-analysis: what the cast analysis of a scheduler binary costs, cold (every BPF
 * object it embeds read and interpreted) against a lookup in the per-content cache that
 * schedulerCasts keeps (one SHA-256 of the file). Both on the fixture scx-ktstr, ROUNDS times
 * each; medians and their ratio are printed.
 *
 *   node --import tsx bench/cast-analysis.ts [BINARY]     (KTSTR_BENCH_ROUNDS=5 by default)
 */
import { performance } from 'node:perf_hooks';
import { SCX_KTSTR, analyzeScheduler, schedulerCasts } from '@ktstr/core';

const binary = process.argv[2] ?? SCX_KTSTR.binary;
const rounds = Number(process.env.KTSTR_BENCH_ROUNDS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = (f: () => unknown) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};

const cold = Array.from({ length: rounds }, () => time(() => analyzeScheduler(binary)));
schedulerCasts(binary); // fills the cache
const cached = Array.from({ length: rounds }, () => time(() => schedulerCasts(binary)));
const [a, b] = [median(cold), median(cached)];
const first = analyzeScheduler(binary)[0];
const casts = first instanceof Error ? first.message : [...first!.casts.keys()].join(', ');
console.log(`cast analysis of ${binary} (casts: ${casts})`);
console.log(`  cold    ${a.toFixed(1)} ms (median of ${rounds})`);
console.log(`  cached  ${b.toFixed(1)} ms (the file's hash)`);
console.log(`  ratio   ${(a / b).toFixed(1)}x`);
