import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Sample } from '../temporal/sample.js';
import { describeStall, findStalls } from './stall.js';

const rq = (cpu: number, nrRunning: number, clock: number) => ({ cpu, nrRunning, clock, scx: { nrRunning: 0, flags: 0 }, localDsqDepth: 0, curr: { pid: 1, comm: "w" }, idle: nrRunning === 0 });

/** Per sample, per CPU: [nrRunning, clock]. */
function series(rows: [number, number][][]): Sample[] {
  return rows.map((cpus, i) => ({ index: i, elapsedMs: i * 100, kind: 'sample', data: { cpus: cpus.map(([n, c], cpu) => rq(cpu, n, c)), events: null } }));
}

test('a busy CPU whose clock stands still for N samples is a stall; an idle one is not', () => {
  const s = series([
    [[1, 100], [0, 50]],
    [[1, 200], [0, 50]],
    [[1, 200], [0, 50]],
    [[1, 200], [0, 50]],
    [[1, 200], [0, 50]],
    [[1, 300], [0, 50]],
  ]);
  const stalls = findStalls(s, 3);
  assert.equal(stalls.length, 1);
  assert.deepEqual({ ...stalls[0]! }, { cpu: 0, fromIndex: 2, toIndex: 4, fromMs: 200, toMs: 400, samples: 3, clock: 200, nrRunning: 1 });
  assert.match(describeStall(stalls[0]!), /CPU 0 had 1 runnable but its rq clock stayed at 200 ns for 3 consecutive samples \(sample 2 at 200 ms to sample 4 at 400 ms\)/);
  assert.deepEqual(findStalls(s, 4), [], 'three samples is not four');
});

test('an advancing clock, a CPU going idle, or a missing reading ends the run', () => {
  const s = series([[[1, 1]], [[1, 1]], [[0, 1]], [[1, 1]], [[1, 1]]]);
  assert.deepEqual(findStalls(s, 2), []);
  const gap: Sample[] = [...series([[[1, 1]], [[1, 1]]]), { index: 2, elapsedMs: 200, kind: 'sample', data: { error: 'read failed' } }, ...series([[[1, 1]]]).map((x) => ({ ...x, index: 3, elapsedMs: 300 }))];
  assert.deepEqual(findStalls(gap, 2), []);
});

test('captures are not judged: a stopped guest\'s clock stands still by design', () => {
  const s = series([[[1, 5]], [[1, 6]]]);
  const cap: Sample = { ...s[1]!, index: 2, elapsedMs: 150, kind: 'capture', label: 'periodic_000' };
  assert.deepEqual(findStalls([s[0]!, s[1]!, cap, { ...s[1]!, index: 3, elapsedMs: 200 }], 1).map((x) => x.toIndex), [3]);
});

test('a stall threshold below one sample is refused', () => {
  assert.throws(() => findStalls([], 0), RangeError);
});

test('a clock or nr_running the helpers could not read (null) is no evidence: the run ends there', () => {
  const s = series([[[1, 7]], [[1, 7]], [[1, 7]], [[1, 7]]]);
  (s[2]!.data as { cpus: { clock: number | null }[] }).cpus[0]!.clock = null;
  assert.deepEqual(findStalls(s, 2), []);
  assert.deepEqual(findStalls(s, 1).map((x) => [x.fromIndex, x.toIndex]), [[1, 1]], 'only the pair before the gap');
});
