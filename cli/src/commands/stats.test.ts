import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCells, resolveThresholds, type StoredCell } from '@ktstr/core';
import { renderComparison } from './stats.js';

function cell(commit: string, accel: StoredCell['accel'], replica: number, totalIterations: number, iterationsPerVmCpuS: number): StoredCell {
  return {
    run: commit, name: `t/p/k${replica > 1 ? `#${replica}` : ''}`, cell: 't/p/k', test: 't', preset: 'p', topology: '1n2l2c1t', kernel: 'k', scheduler: 's',
    schedulerHash: null, schedulerArgs: '[]', scenario: null, replica, status: 'passed', reason: null, durationMs: 1000, commit, detail: null, accel,
    metrics: { totalIterations, iterationsPerVmCpuS, vmCpuMs: (totalIterations / iterationsPerVmCpuS) * 1000 },
  };
}
const side = (commit: string, accel: StoredCell['accel'], scale: number) => [1, 2, 3].map((r) => cell(commit, accel, r, 300_000 * scale + r, 150_000 + r));

test('the compare table says which throughput measure was left unjudged, and why', () => {
  const sides = { a: 'A', b: 'B' };
  const tcg = renderComparison(compareCells(side('c1', 'tcg', 1), side('c2', 'tcg', 0.6), resolveThresholds()), sides);
  assert.match(tcg, /totalIterations .*-40\.0%\s+under TCG judged per VM CPU second/);
  assert.match(tcg, /throughput judged per VM CPU second in 1 of 1 pair\(s\)/);
  assert.match(tcg, /0 regression\(s\)/);
  const kvm = renderComparison(compareCells(side('c1', 'kvm', 1), side('c2', 'kvm', 0.6), resolveThresholds()), sides);
  assert.match(kvm, /totalIterations .*REGRESSED/);
  assert.match(kvm, /iterationsPerVmCpuS .*judged only when both sides ran under TCG/);
  assert.doesNotMatch(kvm, /throughput judged per VM CPU second in/);
});

test('a pair whose sides met different host contention says NOT JUDGED, with both waits and what to do', () => {
  const contended = (commit: string, wait: number, scale: number) => side(commit, 'tcg', scale).map((c) => ({ ...c, metrics: { ...c.metrics, hostWaitPercent: wait } }));
  const c = compareCells(contended('c1', 4, 1), contended('c2', 40, 0.5), resolveThresholds());
  const out = renderComparison(c, { a: 'A', b: 'B' });
  assert.match(out, /t\/p\/k .*NOT JUDGED: QEMU waited for a host CPU 4\.0 % in A, 40\.0 % in B/);
  assert.match(out, /totalIterations .*-50\.0%\s+host contention/);
  assert.match(out, /^NOT JUDGED: 1 of 1 pair\(s\).*4–4 % .* in A, 40–40 % in B.*--host-wait-tolerance/m);
  assert.match(out, /1 pair\(s\) not judged \(host contention\)$/m);
  assert.equal(c.exitCode, 3);
});
