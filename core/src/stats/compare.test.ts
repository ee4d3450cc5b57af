import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KVM_OR_UNKNOWN_NOTE, TCG_JUDGED_NOTE, compareCells, differingDimensions } from './compare.js';
import { HOST_WAIT_TOLERANCE_POINTS } from './host-contention.js';
import { selectSides } from './compare-sides.js';
import { resolveThresholds } from './compare-policy.js';
import type { StoredCell } from './stored-cell.js';

const T = resolveThresholds();

function cell(o: Partial<StoredCell> & { metrics?: Record<string, number | null> }): StoredCell {
  const test = o.test ?? 't';
  const preset = o.preset ?? 'tiny-2llc';
  const kernel = o.kernel ?? '7.2.13';
  const name = o.name ?? `${test}/${preset}/${kernel}${o.replica && o.replica > 1 ? `#${o.replica}` : ''}`;
  return {
    run: 'r', cell: `${test}/${preset}/${kernel}`, topology: '1n2l2c1t', scheduler: 'scx', schedulerHash: 'aaaaaaaa', schedulerArgs: '[]',
    scenario: null, replica: 1, status: 'passed', reason: null, durationMs: 1000, commit: 'c1', detail: null, accel: null,
    ...o, name, test, preset, kernel, metrics: { worstGapMs: 10, totalIterations: 10_000, ...o.metrics },
  };
}

test('A/A: every cell pairs, nothing regresses, exit 0', () => {
  const a = [cell({ test: 'x' }), cell({ test: 'y' })];
  const c = compareCells(a, a.map((x) => ({ ...x, run: 'r2' })), T);
  assert.equal(c.pairs.length, 2);
  assert.deepEqual(c.differing, []);
  assert.equal(c.regressions, 0);
  assert.equal(c.exitCode, 0);
});

test('the dimension A and B differ on is left out of the key; a regression exits 1', () => {
  const a = [cell({ kernel: '7.2', metrics: { worstGapMs: 100 } })];
  const b = [cell({ kernel: '7.3', metrics: { worstGapMs: 900 } })];
  const c = compareCells(a, b, T);
  assert.deepEqual(c.differing, ['kernel']);
  assert.equal(c.pairs.length, 1);
  const gap = c.pairs[0]!.metrics.find((m) => m.metric === 'worstGapMs')!;
  assert.equal(gap.verdict, 'regressed');
  assert.equal(gap.delta, 800);
  assert.equal(c.exitCode, 1);
  assert.equal(c.pairs[0]!.label, 't/tiny-2llc');
});

test('a dimension the sides share some values of still pairs: tests only one side has are unpaired', () => {
  const a = [cell({ test: 'x' }), cell({ test: 'y' })];
  const b = [cell({ test: 'y', commit: 'c2' }), cell({ test: 'z', commit: 'c2' })];
  assert.deepEqual(differingDimensions(a, b), ['commit']);
  const c = compareCells(a, b, T);
  assert.deepEqual(c.pairs.map((p) => p.key.test), ['y']);
  assert.deepEqual(c.onlyA, ['x/tiny-2llc/7.2.13']);
  assert.deepEqual(c.onlyB, ['z/tiny-2llc/7.2.13']);
  assert.equal(c.a.unpaired, 1);
});

test('nothing paired exits 2', () => {
  const c = compareCells([cell({ test: 'x', preset: 'p1' })], [cell({ test: 'x', preset: 'p2', kernel: '7.2.13' }), cell({ test: 'x', preset: 'p1', status: 'failed' })], T);
  assert.equal(c.pairs.length, 0);
  assert.equal(c.exitCode, 2);
  assert.equal(compareCells([], [], T).exitCode, 2);
});

test('replicas are averaged with their spread; --no-average refuses them', () => {
  const a = [cell({ metrics: { totalIterations: 9000 } }), cell({ replica: 2, metrics: { totalIterations: 11_000 } })];
  const b = [cell({ commit: 'c2', metrics: { totalIterations: 10_000 } })];
  const c = compareCells(a, b, T);
  const it = c.pairs[0]!.metrics.find((m) => m.metric === 'totalIterations')!;
  assert.equal(it.a, 10_000);
  assert.equal(it.aSpread, 2000);
  assert.equal(it.bSpread, 0);
  assert.equal(c.pairs[0]!.aCells, 2);
  assert.throws(() => compareCells(a, b, T, { average: false }), /--no-average: .*has 2 cells .*r:t\/tiny-2llc\/7.2.13#2/);
  assert.equal(compareCells([a[0]!], b, T, { average: false }).pairs.length, 1);
});

test('failed and skipped cells are counted and left out of the math', () => {
  const a = [cell({ metrics: { worstGapMs: 10 } }), cell({ replica: 2, status: 'failed', metrics: { worstGapMs: 99_999 } }), cell({ test: 's', status: 'skipped' })];
  const b = [cell({ commit: 'c2', metrics: { worstGapMs: 10 } })];
  const c = compareCells(a, b, T);
  assert.deepEqual(c.a, { passed: 1, failed: 1, skipped: 1, unpaired: 0 });
  assert.equal(c.pairs[0]!.aCells, 1);
  assert.equal(c.regressions, 0);
});

test('a metric on one side only is a coverage difference, never a regression; unknown metrics are shown unjudged', () => {
  const a = [cell({ metrics: { p99WakeLatencyUs: null, custom: 1 } })];
  const b = [cell({ commit: 'c2', metrics: { p99WakeLatencyUs: 5000, custom: 1000 } })];
  const c = compareCells(a, b, T);
  const m = Object.fromEntries(c.pairs[0]!.metrics.map((x) => [x.metric, x.verdict]));
  assert.equal(m.p99WakeLatencyUs, 'coverage');
  assert.equal(m.custom, 'unjudged');
  assert.equal(c.coverageDifferences, 1);
  assert.equal(c.exitCode, 0);
});

test('one pool split by per-side kernel and scheduler filters, with shared filters', () => {
  const pool = [
    cell({ kernel: '7.2.13+deb', metrics: { worstGapMs: 10 } }), cell({ kernel: '7.20.1', metrics: { worstGapMs: 10 } }),
    cell({ kernel: '7.3.1', metrics: { worstGapMs: 10 } }), cell({ test: 'other', kernel: '7.3.1' }),
  ];
  const { a, b } = selectSides([{ id: 'r', cells: pool }], { shared: { filter: '^t/' }, a: { kernel: '7.2' }, b: { kernel: '7.3' } });
  assert.deepEqual(a.map((c) => c.kernel), ['7.2.13+deb']);
  assert.deepEqual(b.map((c) => c.kernel), ['7.3.1']);
  assert.equal(compareCells(a, b, T).pairs.length, 1);
  const builds = [cell({ schedulerHash: 'abcdef0123' }), cell({ schedulerHash: '0123456789', scheduler: 'scx' })];
  const s = selectSides([{ id: 'r', cells: builds }], { shared: {}, a: { scheduler: 'abcdef' }, b: { scheduler: '012345' } });
  assert.equal(s.a.length, 1);
  assert.deepEqual(compareCells(s.a, s.b, T).differing, ['schedulerHash']);
  assert.throws(() => selectSides([{ id: 'r', cells: pool }], { shared: {}, a: {}, b: {} }), /runs: are 1 run\(s\) and no side is picked/);
  assert.throws(() => selectSides([{ id: 'r', cells: pool }], { shared: { filter: '(' }, a: { kernel: '7.2' }, b: {} }), /--filter: is not a regular expression/);
  const two = selectSides([{ id: 'r1', cells: [pool[0]!] }, { id: 'r2', cells: [pool[2]!] }], { shared: {}, a: {}, b: {} });
  assert.equal(two.a[0]!.kernel, '7.2.13+deb');
});

const gapSide = (commit: string, gaps: number[], test = 't') => gaps.map((g, i) => cell({ commit, test, replica: i + 1, metrics: { worstGapMs: g } }));
const gapOf = (c: ReturnType<typeof compareCells>, pair = 0) => c.pairs[pair]!.metrics.find((m) => m.metric === 'worstGapMs')!;

test('noise gate: a change the replicas cannot tell from their own spread is held back; one they can, or without replicas, the dual gate decides', () => {
  // Means 1000 → 1700 ms (past both thresholds, 500 ms and 50 %), but A's own replicas range
  // from 200 to 1800 ms: Welch's p is 0.36.
  const noisy = compareCells(gapSide('c1', [200, 1000, 1800]), gapSide('c2', [900, 1700, 2500]), T);
  const gap = gapOf(noisy);
  assert.equal(gap.delta, 700);
  assert.deepEqual([gap.verdict, gap.withinNoise], ['unchanged', true]);
  assert.ok(gap.pValue! > 0.3, String(gap.pValue));
  assert.deepEqual([noisy.regressions, noisy.withinNoise, noisy.exitCode, noisy.falseDiscoveryRate], [0, 1, 0, 0.05]);
  // The same runs judged by the thresholds alone.
  const meansOnly = compareCells(gapSide('c1', [200, 1000, 1800]), gapSide('c2', [900, 1700, 2500]), T, { noiseGate: false });
  assert.deepEqual([meansOnly.regressions, gapOf(meansOnly).pValue, meansOnly.falseDiscoveryRate], [1, null, null]);
  // Tight replicas, the same move: p = 0.004, a regression; mirrored, an improvement.
  const tight = compareCells(gapSide('c1', [900, 1000, 1100]), gapSide('c2', [1500, 1600, 1700]), T);
  assert.ok(gapOf(tight).pValue! < 0.005);
  assert.equal(tight.regressions, 1);
  assert.equal(compareCells(gapSide('c1', [1500, 1600, 1700]), gapSide('c2', [600, 700, 800]), T).improvements, 1);
  // One replica on a side: no spread to judge by, the means decide.
  const single = compareCells(gapSide('c1', [200]), gapSide('c2', [900, 1700, 2500]), T);
  assert.deepEqual([single.regressions, gapOf(single).pValue], [1, null]);
  // A side whose replicas are all 0 gives no relative change to cross: never a regression.
  assert.equal(compareCells(gapSide('c1', [0, 0]), gapSide('c2', [5000, 6000]), T).regressions, 0);
});

test('noise gate: every metric of every pair is one family of tests, so a change that stands alone can be chance among many', () => {
  const moved = () => [gapSide('c1', [900, 1000, 1100], 'moved'), gapSide('c2', [1500, 1600, 1700], 'moved')] as const;
  // Alone (2 tests: its gap and its unchanged iterations) p = 0.004 is a discovery ...
  const [a, b] = moved();
  assert.equal(compareCells(a, b, T).regressions, 1);
  // ... among 20 pairs of unchanged cells (40 tests) it is the share of chance the rate allows.
  const steady = Array.from({ length: 19 }, (_, i) => `steady${i}`);
  const many = compareCells([...a, ...steady.flatMap((t) => gapSide('c1', [900, 1000, 1100], t))], [...b, ...steady.flatMap((t) => gapSide('c2', [900, 1000, 1100], t))], T);
  const pair = many.pairs.findIndex((p) => p.label.startsWith('moved'));
  assert.deepEqual([gapOf(many, pair).verdict, gapOf(many, pair).withinNoise, many.regressions, many.withinNoise], ['unchanged', true, 0, 1]);
  // A looser rate takes it.
  const loose = compareCells([...a, ...steady.flatMap((t) => gapSide('c1', [900, 1000, 1100], t))], [...b, ...steady.flatMap((t) => gapSide('c2', [900, 1000, 1100], t))], T, { falseDiscoveryRate: 0.25 });
  assert.equal(loose.regressions, 1);
});

// Three replicas a side, as `ktstr test --repeat 3` makes them; `scale` is how much host CPU the
// run's QEMU got: iterations follow it, iterations per VM CPU second do not.
function throughputSide(commit: string, accel: StoredCell['accel'], o: { iterations: number[]; perCpuS?: number[] }): StoredCell[] {
  return o.iterations.map((it, i) => cell({
    commit, accel, replica: i + 1,
    metrics: { totalIterations: it, ...(o.perCpuS ? { iterationsPerVmCpuS: o.perCpuS[i]!, vmCpuMs: (it / o.perCpuS[i]!) * 1000 } : {}) },
  }));
}
const byMetric = (c: ReturnType<typeof compareCells>) => Object.fromEntries(c.pairs[0]!.metrics.map((m) => [m.metric, m]));

test('under TCG on both sides: a run that got less host CPU does fewer iterations, which is shown, not judged; iterations per VM CPU second are', () => {
  // A/A on a loaded host: every replica of B did ~40 % fewer iterations, in ~40 % less QEMU CPU time.
  const a = throughputSide('c1', 'tcg', { iterations: [300_000, 310_000, 305_000], perCpuS: [150_000, 152_000, 151_000] });
  const b = throughputSide('c2', 'tcg', { iterations: [180_000, 185_000, 182_000], perCpuS: [149_000, 151_000, 150_500] });
  const c = compareCells(a, b, T);
  const m = byMetric(c);
  assert.equal(m.totalIterations!.verdict, 'unjudged');
  assert.equal(m.totalIterations!.note, TCG_JUDGED_NOTE);
  assert.ok(m.totalIterations!.relativePercent! < -39, 'the drop is still shown');
  assert.equal(m.iterationsPerVmCpuS!.verdict, 'unchanged');
  assert.equal(m.iterationsPerVmCpuS!.note, undefined);
  assert.equal(m.vmCpuMs!.verdict, 'unjudged');
  assert.equal(c.pairs[0]!.throughput.judgedBy, 'iterationsPerVmCpuS');
  assert.equal(c.regressions, 0);
  assert.equal(c.exitCode, 0);
  // A scheduler that really does less per CPU second is caught by the per-CPU measure.
  const slower = throughputSide('c2', 'tcg', { iterations: [300_000, 305_000, 302_000], perCpuS: [110_000, 112_000, 111_000] });
  const s = compareCells(a, slower, T);
  assert.equal(byMetric(s).iterationsPerVmCpuS!.verdict, 'regressed');
  assert.equal(s.regressions, 1);
});

test('under KVM (or one TCG side only) the per-CPU measure is shown unjudged and totalIterations is judged: a scheduler leaving CPUs idle uses less CPU time', () => {
  // Idle CPUs: 40 % fewer iterations in 40 % less CPU time, the same per CPU second.
  const a = throughputSide('c1', 'kvm', { iterations: [300_000, 310_000, 305_000], perCpuS: [150_000, 152_000, 151_000] });
  const b = throughputSide('c2', 'kvm', { iterations: [180_000, 185_000, 182_000], perCpuS: [149_000, 151_000, 150_500] });
  const c = compareCells(a, b, T);
  const m = byMetric(c);
  assert.equal(m.totalIterations!.verdict, 'regressed');
  assert.equal(m.iterationsPerVmCpuS!.verdict, 'unjudged');
  assert.equal(m.iterationsPerVmCpuS!.note, KVM_OR_UNKNOWN_NOTE);
  assert.equal(c.pairs[0]!.throughput.judgedBy, 'totalIterations');
  assert.equal(c.regressions, 1);
  // One KVM cell among TCG ones is enough to fall back: the sides are not alike.
  const mixed = compareCells(throughputSide('c1', 'tcg', { iterations: [300_000, 310_000, 305_000], perCpuS: [150_000, 152_000, 151_000] }), [...b.slice(0, 2), { ...b[2]!, accel: 'tcg' }], T);
  assert.equal(mixed.pairs[0]!.throughput.judgedBy, 'totalIterations');
});

test('runs stored before QEMU CPU time was measured: totalIterations judged as before, and a new run against an old one too', () => {
  const old = throughputSide('c1', null, { iterations: [300_000, 310_000, 305_000] });
  const oldB = throughputSide('c2', null, { iterations: [180_000, 185_000, 182_000] });
  const c = compareCells(old, oldB, T);
  assert.equal(byMetric(c).totalIterations!.verdict, 'regressed');
  assert.equal(byMetric(c).iterationsPerVmCpuS, undefined, 'no column, no row');
  assert.equal(c.pairs[0]!.throughput.judgedBy, 'totalIterations');
  const fresh = throughputSide('c2', 'tcg', { iterations: [300_000, 305_000, 302_000], perCpuS: [150_000, 152_000, 151_000] });
  const mixed = compareCells(old, fresh, T);
  const m = byMetric(mixed);
  assert.equal(mixed.pairs[0]!.throughput.judgedBy, 'totalIterations');
  assert.equal(m.totalIterations!.verdict, 'unchanged');
  // On one side only: a coverage difference, as any metric one side lacks.
  assert.equal(m.iterationsPerVmCpuS!.verdict, 'coverage');
  assert.equal(mixed.regressions, 0);
});

// Replicas with the host contention each one's QEMU met (hostWaitPercent) and a wake latency.
function contendedSide(commit: string, o: { hostWait?: (number | null)[]; p99: number[] }): StoredCell[] {
  return o.p99.map((p99, i) => cell({
    commit, replica: i + 1, metrics: { p99WakeLatencyUs: p99, ...(o.hostWait ? { hostWaitPercent: o.hostWait[i]! } : {}) },
  }));
}

test('sides whose host contention differed: every metric of the pair is shown, none judged, either way, and compare exits 3', () => {
  // A/A where B ran beside a busy neighbour: its wake latency doubled in every replica.
  const quiet = contendedSide('c1', { hostWait: [3, 5, 4], p99: [9_000, 9_700, 8_700] });
  const busy = contendedSide('c2', { hostWait: [37, 41, 39], p99: [17_000, 21_000, 19_000] });
  const c = compareCells(quiet, busy, T);
  const p = c.pairs[0]!;
  assert.deepEqual([p.hostContention.a, p.hostContention.b, p.hostContention.judged], [4, 39, false]);
  assert.match(p.hostContention.why!, /4\.0 % .* in A, 39\.0 % in B/);
  const m = byMetric(c);
  assert.equal(m.p99WakeLatencyUs!.verdict, 'unjudged', 'would have been a regression');
  assert.equal(m.p99WakeLatencyUs!.note, p.hostContention.why);
  assert.ok(m.p99WakeLatencyUs!.relativePercent! > 90, 'the delta is still shown');
  assert.equal(m.worstGapMs!.verdict, 'unjudged');
  assert.equal(m.hostWaitPercent!.verdict, 'unjudged');
  assert.deepEqual([c.regressions, c.improvements, c.contendedPairs, c.exitCode], [0, 0, 1, 3]);
  // The other way round it would have been an improvement: not judged either.
  const back = compareCells(busy, quiet, T);
  assert.deepEqual([back.regressions, back.improvements, back.exitCode], [0, 0, 3]);
  // A regression in another pair still exits 1.
  const other = (commit: string, gap: number) => cell({ commit, test: 'other', metrics: { worstGapMs: gap, hostWaitPercent: 4 } });
  const both = compareCells([...quiet, other('c1', 100)], [...busy, other('c2', 900)], T);
  assert.deepEqual([both.regressions, both.contendedPairs, both.exitCode], [1, 1, 1]);
});

test('host contention within the tolerance, or unknown on a side, is judged as before', () => {
  const a = contendedSide('c1', { hostWait: [3, 5, 4], p99: [9_000, 9_700, 8_700] });
  const slower = contendedSide('c2', { hostWait: [6, 8, 7], p99: [30_000, 31_000, 32_000] });
  // 4 and 7 % apart by 3 points, inside the default 5: judged, and the slower wakeups are a regression.
  const c = compareCells(a, slower, T);
  assert.equal(c.pairs[0]!.hostContention.judged, true);
  assert.equal(byMetric(c).p99WakeLatencyUs!.verdict, 'regressed');
  assert.equal(c.exitCode, 1);
  // Both sides equally busy: judged too (the replicas' spread is the noise gate's business).
  const busyA = contendedSide('c1', { hostWait: [38, 41, 40], p99: [17_000, 21_000, 19_000] });
  const busyB = contendedSide('c2', { hostWait: [39, 42, 37], p99: [18_000, 20_000, 22_000] });
  assert.deepEqual([compareCells(busyA, busyB, T).contendedPairs, compareCells(busyA, busyB, T).exitCode], [0, 0]);
  // A run stored before the measure, or one cell without it: nothing to judge contention by.
  const old = contendedSide('c1', { p99: [9_000, 9_700, 8_700] });
  const busy = contendedSide('c2', { hostWait: [37, 41, 39], p99: [30_000, 31_000, 32_000] });
  assert.equal(compareCells(old, busy, T).pairs[0]!.hostContention.judged, true);
  assert.equal(compareCells(old, busy, T).exitCode, 1);
  const gap = contendedSide('c1', { hostWait: [3, null, 4], p99: [9_000, 9_700, 8_700] });
  assert.equal(compareCells(gap, busy, T).pairs[0]!.hostContention.a, null);
  // The tolerance is the caller's: 100 points judges every pair, 2 holds back the 3-point one.
  const quiet = contendedSide('c1', { hostWait: [3, 5, 4], p99: [9_000, 9_700, 8_700] });
  assert.equal(compareCells(quiet, busy, T, { hostWaitTolerance: 100 }).exitCode, 1);
  assert.equal(compareCells(a, slower, T, { hostWaitTolerance: 2 }).exitCode, 3);
  assert.equal(HOST_WAIT_TOLERANCE_POINTS, 5);
});
