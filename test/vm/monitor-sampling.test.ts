// The host monitor samples a running cell: every CPU's runqueue and the sched_ext event counters
// every 100 ms without stopping the guest, captures with the guest stopped inside the workload's
// 10 %–90 % window, and nothing at all when the test turns it off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellVm } from '../../core/src/runner/cell-vm.js';
import { SCX_KTSTR } from '../../core/src/fixture.js';
import { cgroup } from '../../core/src/scenario/cgroup.js';
import { cpuset } from '../../core/src/scenario/cpuset.js';
import { hold } from '../../core/src/scenario/hold.js';
import { work } from '../../core/src/scenario/work.js';
import { monitorSettings } from '../../core/src/monitor/sampler/options.js';
import { WINDOW_END, WINDOW_START } from '../../core/src/monitor/sampler/capture-window.js';
import type { MonitorSampleData } from '../../core/src/monitor/sampler/sample-reader.js';
import { skipReason, testKernel } from './cell-env.js';
import { ktstrTest } from '../../core/src/api/ktstr-test.js';

const twoCpus = { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 };
// One spinner pinned to each CPU, so both runqueues hold a task the whole time.
const spinners = [
  cgroup('spin0', { cpuset: cpuset.exact([0]), workers: 1, work: work.spinWait() }),
  cgroup('spin1', { cpuset: cpuset.exact([1]), workers: 1, work: work.spinWait() }),
];

test('a 2 s cell is sampled every 100 ms and captured 3 times inside its window', { skip: skipReason, timeout: 300_000 }, async () => {
  const vm = await CellVm.boot({
    name: 'monitor-sampling/1n1l2c1t', kernel: await testKernel(), topology: twoCpus, scheduler: SCX_KTSTR, durationMs: 2000,
    monitor: monitorSettings({ numSnapshots: 3 }, 'test'),
  });
  const r = await vm.run(spinners, hold.fraction(1));
  const m = r.monitor!;
  assert.ok(m.enabled, m.reason);
  assert.equal(m.reason, undefined);
  const samples = m.series.ofKind('sample').samples;
  process.stderr.write(`monitor: ${m.sampleCount} samples, ${m.captureCount} captures, host ${m.sampleHostMs?.mean.toFixed(3)} ms/sample (max ${m.sampleHostMs?.max.toFixed(3)}), `
    + `paused ${m.pausedMs.toFixed(1)} ms; captures ${m.captures.map((c) => `${c.label} planned ${c.plannedMs.toFixed(0)} at ${c.elapsedMs.toFixed(0)} ms, stop ${c.stopMs.toFixed(1)} read ${c.readMs.toFixed(2)} cont ${c.contMs.toFixed(1)} ms`).join('; ')}\n`);
  assert.ok(m.sampleCount >= 15 && m.sampleCount <= 25, `~20 samples in 2 s at 100 ms, got ${m.sampleCount}`);
  // Samples sit on the 100 ms grid of elapsed time; one taken late (after a capture, on a busy
  // host) is followed by the next grid point at least 50 ms on, never by a burst.
  const gaps = samples.slice(1).map((s, i) => s.elapsedMs - samples[i]!.elapsedMs);
  assert.ok(gaps.every((g) => g >= 50), `gaps ${gaps.map((g) => g.toFixed(0)).join(' ')}`);
  assert.ok(Math.abs((samples.at(-1)!.elapsedMs - samples[0]!.elapsedMs) / gaps.length - 100) < 10, 'about 100 ms apart on average');

  const data = samples.map((s) => s.data as MonitorSampleData);
  for (const cpu of [0, 1]) {
    const rqs = data.map((d) => d.cpus[cpu]!);
    assert.ok(rqs.every((rq) => rq !== null && rq.cpu === cpu), `CPU ${cpu} read in every sample`);
    assert.ok(rqs.every((rq) => rq.clock !== null && rq.nrRunning !== null), `CPU ${cpu}'s clock and nr_running read in every sample`);
    assert.ok(rqs.at(-1)!.clock! > rqs[0]!.clock!, `CPU ${cpu}'s rq clock advanced`);
    const advanced = rqs.filter((rq, i) => i > 0 && rq.clock! > rqs[i - 1]!.clock!).length;
    assert.ok(advanced >= rqs.length - 3, `CPU ${cpu}'s rq clock advanced between ${advanced} of ${rqs.length - 1} sample pairs`);
    const busy = rqs.filter((rq) => rq.nrRunning! >= 1).length;
    assert.ok(busy >= rqs.length - 2, `CPU ${cpu} with a spinner had nr_running >= 1 in ${busy} of ${rqs.length} samples`);
  }
  // The fixture scheduler is attached: its name, and its event counters (summed over CPUs), are read.
  assert.ok(data.every((d) => d.scx.opsName === 'ktstr' && d.scx.state === 'SCX_ENABLED'), `sched_ext state ${JSON.stringify(data[0]!.scx)}`);
  assert.ok(data.every((d) => d.events !== null && typeof d.events.SCX_EV_SELECT_CPU_FALLBACK === 'number'), 'event counters in every sample');
  r.expect.series('events.SCX_EV_SELECT_CPU_FALLBACK').nondecreasing();
  r.expect.series('cpus[1].clock', { kind: 'sample' }).strictlyIncreasing();
  r.expect.monitor.noStall(5);

  // Three captures, each inside the 10 %–90 % window of the 2 s workload, read with the guest stopped.
  assert.equal(m.captureCount, 3);
  for (const c of m.captures) {
    assert.equal(c.error, undefined);
    assert.ok(c.elapsedMs >= WINDOW_START * 2000 && c.elapsedMs <= WINDOW_END * 2000, `${c.label} at ${c.elapsedMs} ms`);
    assert.ok(c.elapsedMs >= c.plannedMs, `${c.label} not before its plan`);
    assert.ok(c.pauseMs > 0 && c.pauseMs >= c.stopMs + c.readMs);
  }
  for (const s of m.series.ofKind('capture').samples) assert.ok((s.data as MonitorSampleData).cpus.every((rq) => rq.clock !== null));
  assert.ok(m.metrics && m.metrics.stallCount === 0, JSON.stringify(m.metrics));

  // The readings on the timeline's axis, beside the step's start and end.
  const joined = r.timelineWithMonitor();
  const start = joined.findIndex((e) => e.lane === 'stimulus' && e.event.kind === 'step_start');
  const end = joined.findIndex((e) => e.lane === 'stimulus' && e.event.kind === 'step_end');
  const marks = joined.flatMap((e, i) => (e.lane === 'monitor' ? [i] : []));
  assert.ok(marks.length === m.series.length && marks[0]! > start && marks.filter((i) => i > end).length <= 2, 'the readings fall within the step');
});

// Through ktstrTest, as a test declares it: on by default at 100 ms, off with monitor: false.
ktstrTest('monitor-default', { topology: twoCpus, durationMs: 1000, timeoutMs: 300_000 }, async (vm) => {
  const r = await vm.run(spinners, hold.fraction(1));
  const m = r.monitor!;
  assert.ok(m.enabled, m.reason);
  assert.equal(m.intervalMs, 100);
  assert.equal(m.captureCount, 0);
  assert.ok(m.sampleCount >= 7 && m.sampleCount <= 13, `~10 samples in 1 s, got ${m.sampleCount}`);
  assert.ok(m.series.samples.every((s) => (s.data as MonitorSampleData).events === null), 'no BPF scheduler, no event counters');
  r.expect.series('cpus[0].clock', { kind: 'sample' }).nondecreasing();
  assert.throws(() => r.expect.monitor.fallbackEventsBelow(1), /no reading carried SCX_EV_SELECT_CPU_FALLBACK/);
});

ktstrTest('monitor-off', { topology: twoCpus, durationMs: 1000, timeoutMs: 300_000, monitor: false }, async (vm) => {
  const r = await vm.run(spinners, hold.fraction(1));
  assert.equal(r.monitor!.enabled, false);
  assert.equal(r.monitor!.series.length, 0);
  assert.match(r.monitor!.reason!, /the monitor is off/);
  assert.throws(() => r.expect.monitor.noStall(), /the monitor did not run/);
});
