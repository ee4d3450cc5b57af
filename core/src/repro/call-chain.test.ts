import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainSites, exitCallChain, parseFrame, schedulerExitChain } from './call-chain.js';

/** The exit dump of scx-ktstr's error knob on 7.2, as the loader printed it (trimmed after the chain). */
const OUTPUT = `scx-ktstr: exit dump-begin
ktstr: root
swapper/1[0] triggered exit kind 1025 on CPU 1:
  scx_bpf_error (scx_ktstr.bpf.c:207: ktstr: error knob fired after 300 enqueues)

Backtrace:
  __scx_exit+0x4f/0x70
  scx_bpf_error_bstr+0x91/0xd0
  bpf_prog_300904276e5e3953_ktstr_select_cpu+0x1eb/0x29d
  bpf__sched_ext_ops_select_cpu+0x54/0xb9
  select_task_rq_scx+0x152/0x360
  try_to_wake_up+0x1a6/0x880
  call_timer_fn+0x2a/0x110
  __run_timers+0x27c/0x330
  sysvec_apic_timer_interrupt+0x71/0x90
  asm_sysvec_apic_timer_interrupt+0x1a/0x20
  do_idle+0x204/0x310

ktstr: enqueues=300 direct=228 dispatches=72 stalled=0 delays=0 delay_us=0
`;

test('the backtrace block is read frame by frame, and ends at the first line that is not a frame', () => {
  const frames = exitCallChain(OUTPUT);
  assert.equal(frames.length, 11);
  assert.equal(frames[0]!.symbol, '__scx_exit');
  assert.equal(frames[2]!.bpfProgram, 'ktstr_select_cpu');
  assert.equal(frames[3]!.opsMember, 'select_cpu');
  assert.deepEqual(exitCallChain('no dump here'), []);
  assert.equal(parseFrame('foo.constprop.0+0x1/0x2 [scx_mod]')?.module, 'scx_mod');
  assert.equal(parseFrame('not a frame'), undefined);
});

test('sites: the error path through the callback, then two kernel callers; trampolines and entry code never', () => {
  const sites = chainSites(exitCallChain(OUTPUT));
  assert.deepEqual(sites.map((s) => `${s.kind}:${s.name}`), [
    'kernel:__scx_exit', 'kernel:scx_bpf_error_bstr', 'struct_ops:ktstr_select_cpu', 'kernel:select_task_rq_scx', 'kernel:try_to_wake_up',
  ]);
  const cb = sites[2]!;
  assert.ok(cb.kind === 'struct_ops' && cb.opsMember === 'select_cpu', 'the callback knows its ops member from the trampoline below it');
});

test('without a callback on the chain, the innermost frames that are not entry code', () => {
  const frames = exitCallChain('Backtrace:\n  scx_watchdog_workfn+0x1/0x2\n  process_one_work+0x1/0x2\n  worker_thread+0x1/0x2\n  kthread+0x1/0x2\n  ret_from_fork+0x1/0x2\n');
  assert.deepEqual(chainSites(frames).map((s) => s.name), ['scx_watchdog_workfn', 'process_one_work']);
});

test('a scheduler exit\'s chain comes from the kernel\'s own dump first, the loader\'s output second', () => {
  const kernelDump = 'ktstr: root\nBacktrace:\n  scx_watchdog_workfn+0x1/0x2\n\nCPU states\n';
  assert.deepEqual(schedulerExitChain({ output: OUTPUT, kernelDump }).map((f) => f.symbol), ['scx_watchdog_workfn']);
  assert.equal(schedulerExitChain({ output: OUTPUT }).length, 11);
  assert.equal(schedulerExitChain({ output: OUTPUT, kernelDump: 'no backtrace in it' }).length, 11);
});
