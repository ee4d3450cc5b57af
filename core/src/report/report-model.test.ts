import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReportModel, EXPAND_ALL_UP_TO, type ReportSide } from './report-model.js';
import { resolveThresholds } from '../stats/compare-policy.js';
import type { RunMeta } from '../stats/run-store.js';
import type { StoredCell } from '../stats/stored-cell.js';

const T = resolveThresholds();

function cell(o: Partial<StoredCell> & { test: string }): StoredCell {
  const name = o.name ?? `${o.test}/tiny-2llc/7.2`;
  return {
    run: 'r', name, cell: name, preset: 'tiny-2llc', topology: '1n2l2c1t', kernel: '7.2', scheduler: 'eevdf', schedulerHash: null, schedulerArgs: '[]',
    scenario: null, replica: 1, status: 'passed', reason: null, durationMs: 1000, commit: 'c1', detail: null,
    metrics: { worstGapMs: 10, totalIterations: 10_000 }, ...o,
  };
}

function side(id: string, cells: StoredCell[]): ReportSide {
  const n = (s: string) => cells.filter((c) => c.status === s).length;
  const meta: RunMeta = {
    version: 1, id, startedAt: '2026-12-01T10:00:00Z', finishedAt: '2026-12-01T10:01:00Z', shards: ['1/1'], commit: 'c1',
    cells: cells.length, passed: n('passed'), failed: n('failed'), skipped: n('skipped'), source: 'test',
  };
  return { meta, dir: `/runs/${id}`, cells };
}

test('failed cells come first with their reasons, then passed, then skipped; by name within each', () => {
  const run = side('r2', [
    cell({ test: 'a-pass' }),
    cell({ test: 'b-skip', status: 'skipped', reason: 'needs 2 LLCs' }),
    cell({ test: 'c-fail', status: 'failed', reason: 'worst gap 900 ms above 500' }),
    cell({ test: 'a-fail', status: 'failed', reason: 'stall' }),
  ]);
  const m = buildReportModel({ run, details: new Map(), thresholds: T });
  assert.deepEqual(m.cells.map((c) => [c.test, c.status, c.reason]), [
    ['a-fail', 'failed', 'stall'],
    ['c-fail', 'failed', 'worst gap 900 ms above 500'],
    ['a-pass', 'passed', null],
    ['b-skip', 'skipped', 'needs 2 LLCs'],
  ]);
  assert.equal(m.comparison, null);
  assert.equal(m.run.failed, 2);
});

test('a baseline flags the cells and metrics that regressed, regressed pairs first', () => {
  const base = side('r1', [cell({ test: 'steady' }), cell({ test: 'slower', metrics: { worstGapMs: 10, totalIterations: 10_000 } })]);
  const run = side('r2', [cell({ test: 'steady' }), cell({ test: 'slower', metrics: { worstGapMs: 10, totalIterations: 4_000 } })]);
  const m = buildReportModel({ run, baseline: base, details: new Map(), thresholds: T });
  assert.deepEqual(m.cells.map((c) => [c.test, c.regressed]), [['slower', ['totalIterations']], ['steady', []]]);
  assert.ok(m.comparison);
  assert.equal(m.comparison.baseline, 'r1');
  assert.equal(m.comparison.regressions, 1);
  assert.deepEqual(m.comparison.pairs.map((p) => [p.label, p.regressed]), [['slower/tiny-2llc/7.2', true], ['steady/tiny-2llc/7.2', false]]);
  const it = m.comparison.pairs[0]!.metrics.find((x) => x.metric === 'totalIterations')!;
  assert.equal(it.verdict, 'regressed');
  assert.equal(it.a, 10_000);
  assert.equal(it.b, 4_000);
});

test('with replicas, a change past the thresholds that the replicas cannot tell from noise is held back and counted', () => {
  // worstGapMs means 600 -> 1333 ms: past both gates (500 ms, 50 %), but the replicas scatter too
  // widely for Welch's t to see it (p about 0.4).
  const replicas = (gaps: number[]) => gaps.map((g, i) => cell({ test: 'noisy', name: `noisy/tiny-2llc/7.2${i ? `#${i + 1}` : ''}`, replica: i + 1, metrics: { worstGapMs: g, totalIterations: 10_000 } }));
  const m = buildReportModel({ run: side('r2', replicas([200, 1500, 2300])), baseline: side('r1', replicas([100, 300, 1400])), details: new Map(), thresholds: T });
  assert.equal(m.comparison!.regressions, 0);
  assert.equal(m.comparison!.withinNoise, 1);
  const gap = m.comparison!.pairs[0]!.metrics.find((x) => x.metric === 'worstGapMs')!;
  assert.deepEqual([gap.verdict, gap.withinNoise], ['unchanged', true]);
  assert.ok(gap.pValue! > 0.05, String(gap.pValue));
  assert.deepEqual(m.cells.map((c) => c.regressed), [[], [], []]);
});

test('a baseline run while the host was quiet, this run beside a busy neighbour: the pair is shown, not judged, and says why', () => {
  const base = side('r1', [cell({ test: 'slower', metrics: { worstGapMs: 10, totalIterations: 10_000, hostWaitPercent: 4 } })]);
  const run = side('r2', [cell({ test: 'slower', metrics: { worstGapMs: 10, totalIterations: 4_000, hostWaitPercent: 40 } })]);
  const m = buildReportModel({ run, baseline: base, details: new Map(), thresholds: T });
  assert.deepEqual(m.cells[0]!.regressed, []);
  assert.equal(m.comparison!.regressions, 0);
  assert.equal(m.comparison!.contendedPairs, 1);
  const p = m.comparison!.pairs[0]!;
  assert.equal(p.hostContention.judged, false);
  assert.match(p.hostContention.why!, /4\.0 % .* in A, 40\.0 % in B/);
});

test('a failed cell is never marked regressed: its numbers are not compared', () => {
  const base = side('r1', [cell({ test: 'x' })]);
  const run = side('r2', [cell({ test: 'x', status: 'failed', reason: 'boom', metrics: { totalIterations: 1 } })]);
  const m = buildReportModel({ run, baseline: base, details: new Map(), thresholds: T });
  assert.deepEqual(m.cells[0]!.regressed, []);
  assert.equal(m.comparison!.pairs.length, 0);
});

test('per cell: step phases, iterations over time and run delay come from the detail file; no monitor says so', () => {
  const c = cell({ test: 't' });
  const detail = {
    detail: ['sched_ext: disabled'],
    timeline: [
      { tMs: 1000, kind: 'step_start', step: 0, stepName: 'warm', iterations: { 'a/0': 0 } },
      { tMs: 1500, kind: 'op', step: 0, stepName: 'warm', op: 'add', cgroup: 'b', iterations: { 'a/0': 50, 'b/0': 0 } },
      { tMs: 2000, kind: 'step_end', step: 0, stepName: 'warm', iterations: { 'a/0': 100, 'b/0': 30 } },
      { tMs: 2000, kind: 'step_start', step: 1, stepName: 'load', iterations: { 'a/0': 100, 'b/0': 30 } },
      { tMs: 2600, kind: 'op', step: 1, stepName: 'load', op: 'stop', cgroup: 'b', iterations: { 'a/0': 170, 'b/0': 90 } },
    ],
    workers: [
      { cgroup: 'a', index: 0, iterations: 170, waitNs: 6_000_000, timeslices: 3, migrations: 1, cpus: [0] },
      { cgroup: 'b', index: 0, iterations: 90, waitNs: 0, timeslices: 0, migrations: 0, cpus: [1] },
    ],
  };
  const m = buildReportModel({ run: side('r', [c]), details: new Map([[c.name, detail]]), thresholds: T });
  const r = m.cells[0]!;
  // The second step never ended: it lasts to the last event.
  assert.deepEqual(r.steps, [{ name: 'warm', start: 1, end: 2 }, { name: 'load', start: 2, end: 2.6 }]);
  assert.deepEqual(r.iterations, {
    t: [1, 1.5, 2, 2, 2.6],
    workers: [{ key: 'a/0', values: [0, 50, 100, 100, 170] }, { key: 'b/0', values: [null, 0, 30, 30, 90] }],
  });
  assert.deepEqual(r.workers.map((w) => [w.key, w.runDelayUs]), [['a/0', 2000], ['b/0', null]]);
  assert.deepEqual(r.detail, ['sched_ext: disabled']);
  assert.equal(r.monitor, null);
  assert.equal(r.monitorAbsent, 'no monitor data');
});

test('monitor samples become per-CPU depth and event rates on the timeline axis', () => {
  const c = cell({ test: 't' });
  const sample = (i: number, elapsedMs: number, nr: [number, number], fallback: number) => ({
    index: i, elapsedMs, kind: 'sample',
    data: { cpus: [{ cpu: 0, nrRunning: nr[0] }, { cpu: 1, nrRunning: nr[1] }], events: { SCX_EV_SELECT_CPU_FALLBACK: fallback, SCX_EV_DISPATCH_KEEP_LAST: 7 } },
  });
  const monitor = { enabled: true, scenarioStartTMs: 500, series: { samples: [sample(1, 100, [2, 1], 10), sample(0, 0, [1, 1], 0), sample(2, 300, [3, 0], 30)] } };
  const m = buildReportModel({ run: side('r', [c]), details: new Map([[c.name, { monitor }]]), thresholds: T });
  const lanes = m.cells[0]!.monitor!;
  assert.deepEqual(lanes.t, [0.5, 0.6, 0.8]);
  assert.deepEqual(lanes.cpus, [{ cpu: 0, nrRunning: [1, 2, 3] }, { cpu: 1, nrRunning: [1, 1, 0] }]);
  // Only the counter that moved: 10 over 100 ms, then 20 over 200 ms.
  assert.deepEqual(lanes.events, [{ name: 'SCX_EV_SELECT_CPU_FALLBACK', perSec: [null, 100, 100] }]);
  const off = buildReportModel({ run: side('r', [c]), details: new Map([[c.name, { monitor: { enabled: false, reason: 'no vmlinux', series: { samples: [] } } }]]), thresholds: T });
  assert.equal(off.cells[0]!.monitorAbsent, 'no monitor data: no vmlinux');
});

test('a small run opens every cell; a large one only the failed and regressed cells', () => {
  const small = buildReportModel({ run: side('r', [cell({ test: 'a' }), cell({ test: 'b', status: 'failed', reason: 'x' })]), details: new Map(), thresholds: T });
  assert.deepEqual(small.cells.map((c) => c.expanded), [true, true]);
  const many = Array.from({ length: EXPAND_ALL_UP_TO + 1 }, (_, i) => cell({ test: `t${String(i).padStart(2, '0')}` }));
  const base = side('r1', many.map((c) => ({ ...c })));
  const run = side('r2', [...many.slice(1), { ...many[0]!, metrics: { worstGapMs: 10, totalIterations: 1_000 } }, cell({ test: 'z', status: 'failed', reason: 'x' })]);
  const m = buildReportModel({ run, baseline: base, details: new Map(), thresholds: T });
  assert.deepEqual(m.cells.filter((c) => c.expanded).map((c) => c.test), ['z', 't00']);
});
