// Scenarios of several steps end to end: a canned 3-step dynamic scenario's timeline and
// per-step metrics, and an inline scheduler config delivered as a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellVm, SCX_KTSTR, declareScheduler, scenarios } from '@ktstr/core';
import { skipReason, testKernel } from './cell-env.js';

const twoLlcs = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };

test('dynamic/shuffle: three steps, each op on the timeline, metrics per step', { skip: skipReason, timeout: 240_000 }, async () => {
  const vm = await CellVm.boot({ name: 'scenario-shuffle/scx-ktstr', kernel: await testKernel(), topology: twoLlcs, scheduler: SCX_KTSTR, durationMs: 3000 });
  const r = await vm.runScenario(scenarios.dynamic.shuffle());
  r.expect.noStall();
  assert.deepEqual(r.steps.map((s) => s.name), ['warmup', 'swap', 'clear']);
  for (const s of r.steps) {
    assert.ok(s.startMs !== null && s.endMs !== null && s.endMs - s.startMs >= 900, `${s.name} held ${s.startMs}..${s.endMs}`);
    assert.ok(s.metrics.totalIterations > 0, `${s.name} made progress`);
    r.expect.inStep(s.name).noStall();
  }
  const kinds = r.timeline.map((e) => `${e.kind}:${e.stepName}${e.op ? `:${e.op}` : ''}`);
  assert.deepEqual(kinds, [
    'op:warmup:add', 'op:warmup:add', 'step_start:warmup', 'step_end:warmup',
    'cpuset:swap:swap_cpuset', 'step_start:swap', 'step_end:swap',
    'cpuset:clear:clear_cpuset', 'cpuset:clear:clear_cpuset', 'step_start:clear', 'step_end:clear',
  ]);
  const swap = r.timeline.find((e) => e.op === 'swap_cpuset')!;
  assert.equal(swap.ok, true);
  assert.equal(Object.keys(swap.iterations).length, 4, 'iterations of all four workers at the swap');
  // Per-step shares add up to the run (workers report cumulative counts at every step end).
  const stepSum = r.steps.reduce((s, st) => s + st.metrics.totalIterations, 0);
  assert.ok(stepSum <= r.metrics.totalIterations && stepSum > 0.9 * r.metrics.totalIterations, `steps ${stepSum} vs run ${r.metrics.totalIterations}`);
  const json = JSON.parse(JSON.stringify(r));
  assert.equal(json.timeline.length, r.timeline.length);
});

test('an inline config reaches the scheduler as a file at guestPath, and {file} in its arguments', { skip: skipReason, timeout: 240_000 }, async () => {
  // The fixture scheduler has no config option; --stall-comm takes any name and is harmless
  // with one no task has, so it carries the path into the scheduler's command line.
  const sched = declareScheduler({ name: 'scx-ktstr-cfg', binary: SCX_KTSTR.binary, configFile: { arg: '--stall-comm {file}', guestPath: '/etc/ktstr-cfg.json' } });
  const config = { sliceUs: 5000, note: 'inline' };
  const vm = await CellVm.boot({ name: 'scenario-config/scx-ktstr', kernel: await testKernel(), topology: twoLlcs, scheduler: sched, durationMs: 1000, config });
  const r = await vm.runCommand({ exec: "cat /etc/ktstr-cfg.json; echo; tr '\\0' ' ' < /proc/$(pidof scx-ktstr)/cmdline" });
  assert.equal(r.schedulerExit, null);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.split('\n}\n')[0] + '\n}'), config);
  assert.match(r.stdout, /scx-ktstr .*--stall-comm \/etc\/ktstr-cfg\.json/);
});

test('a scheduler with a configFile and no config is refused before any VM starts', async () => {
  const sched = declareScheduler({ name: 'needs-cfg', binary: SCX_KTSTR.binary, configFile: { arg: '--stall-comm {file}', guestPath: '/etc/x.json' } });
  await assert.rejects(CellVm.boot({ name: 'never', kernel: { vmlinuz: '/nonexistent', label: 'none' } as never, topology: twoLlcs, scheduler: sched, durationMs: 1000 }),
    /never\.config: is missing: scheduler needs-cfg reads its config from \/etc\/x\.json/);
});
