import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schedulerExitFrom } from './cell-result.js';

test('the exit kind from the "disabled (...)" line leads the reason', () => {
  const e = schedulerExitFrom({
    type: 'sched_exit', t_ms: 1, phase: 'run', state: 'disabled', exit_status: 2, output: '',
    reason: 'sched_ext: ktstr: victim[104] failed to run for 2.988s',
    dmesg: ['sched_ext: BPF scheduler "ktstr" enabled', 'sched_ext: BPF scheduler "ktstr" disabled (runnable task stall)', 'sched_ext: ktstr: victim[104] failed to run for 2.988s'],
  });
  assert.equal(e.reason, 'runnable task stall: sched_ext: ktstr: victim[104] failed to run for 2.988s');
});

test('a reason that already names its kind is kept as is', () => {
  const e = schedulerExitFrom({
    type: 'sched_exit', t_ms: 1, phase: 'run', state: 'disabled', exit_status: 0, output: '',
    reason: 'sched_ext: BPF scheduler "ktstr" disabled (unregistered from BPF)',
    dmesg: ['sched_ext: BPF scheduler "ktstr" disabled (unregistered from BPF)'],
  });
  assert.equal(e.reason, 'sched_ext: BPF scheduler "ktstr" disabled (unregistered from BPF)');
});
