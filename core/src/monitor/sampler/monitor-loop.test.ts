import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KernelProgram } from '../program.js';
import { MonitorLoop } from './monitor-loop.js';
import { isPlaceholder } from '../temporal/sample.js';

const prog = {} as KernelProgram;

test('samples at the interval, captures with the guest stopped, and the pauses left out of elapsed time', async () => {
  let stopped = false;
  const commands: string[] = [];
  const loop = new MonitorLoop({
    prog, cpus: 1, workloadMs: 400,
    settings: { intervalMs: 20, numSnapshots: 2 },
    reader: () => ({ stopped, cpus: [] }),
    control: async () => ({
      async execute(c: string) {
        commands.push(c);
        await sleep(40); // a slow QMP round trip: all of it counts as stopped
        stopped = c === 'stop';
      },
    }),
  });
  const t0 = performance.now();
  loop.start(5000, t0);
  await sleep(500);
  const r = await loop.stop();
  const hostMs = performance.now() - t0;
  assert.deepEqual(commands, ['stop', 'cont', 'stop', 'cont']);
  assert.equal(r.captureCount, 2);
  assert.equal(r.scenarioStartTMs, 5000);
  const caps = r.series.ofKind('capture').samples;
  assert.deepEqual(caps.map((c) => c.label), ['periodic_000', 'periodic_001']);
  for (const c of caps) assert.equal((c.data as { stopped: boolean }).stopped, true, 'a capture reads a stopped guest');
  for (const [i, c] of r.captures.entries()) {
    assert.ok(c.elapsedMs >= c.plannedMs && c.elapsedMs < c.plannedMs + 150, `capture ${i} at ${c.elapsedMs} for ${c.plannedMs}`);
    assert.ok(c.pauseMs >= 79, `pause ${c.pauseMs} covers both round trips`);
  }
  assert.ok(r.pausedMs >= 158);
  const periodic = r.series.ofKind('sample').samples;
  for (const s of periodic) assert.equal((s.data as { stopped: boolean }).stopped, false, 'samples read a running guest');
  // Elapsed time is host time less the pauses: the last sample is no later than that.
  const last = periodic.at(-1)!.elapsedMs;
  assert.ok(last <= hostMs - r.pausedMs + 1, `last sample at ${last}, host ${hostMs} less ${r.pausedMs} paused`);
  assert.ok(last >= hostMs - r.pausedMs - 150, `sampling went on to the end (${last})`);
  // The cadence is in elapsed time: at most one sample per 20 ms of it (a busy host may skip ticks), never two at once.
  assert.ok(r.sampleCount <= last / 20 + 2 && r.sampleCount >= 5, `${r.sampleCount} samples over ${last} ms`);
  for (let i = 1; i < periodic.length; i++) assert.ok(periodic[i]!.elapsedMs - periodic[i - 1]!.elapsedMs >= 10, 'at least half an interval apart');
});

test('a reader that throws leaves a placeholder; a missing QMP connection fails the capture, not the loop', async () => {
  let n = 0;
  const loop = new MonitorLoop({
    prog, cpus: 1, workloadMs: 100, settings: { intervalMs: 10, numSnapshots: 1 },
    reader: () => {
      if (n++ === 1) throw new Error('page not present');
      return { cpus: [] };
    },
    control: () => Promise.reject(new Error('QMP at /x did not answer')),
  });
  loop.start(0);
  await sleep(120);
  const r = await loop.stop();
  const bad = r.series.samples.filter((s) => isPlaceholder(s.data));
  assert.ok(bad.some((s) => s.kind === 'sample' && /page not present/.test((s.data as { error: string }).error)));
  assert.ok(bad.some((s) => s.kind === 'capture' && /QMP at \/x did not answer/.test((s.data as { error: string }).error)));
  assert.equal(r.captures[0]!.error, 'QMP at /x did not answer');
  assert.ok(r.sampleCount >= 5);
});

test('a loop stopped before the scenario started says so', async () => {
  const loop = new MonitorLoop({ prog, cpus: 1, workloadMs: 100, settings: { intervalMs: 10, numSnapshots: 0 }, reader: () => ({}) });
  const r = await loop.stop();
  assert.equal(r.sampleCount, 0);
  assert.match(r.reason!, /never started/);
});
