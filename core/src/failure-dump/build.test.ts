import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellError, SchedulerExitError } from '../runner/cell-vm.js';
import { CellResult, type CellResultData } from '../result/cell-result.js';
import { SampleSeries } from '../monitor/temporal/sample-series.js';
import { Unavailable } from '../monitor/unavailable.js';
import { buildFailureDump } from './build.js';
import { crashLine, findLocation, verifierComplaint } from './bug-summary.js';
import { jsonValue } from './json-value.js';
import { renderFailureDump } from './render.js';

const errorDump = readFileSync(join(import.meta.dirname, 'testdata', 'error-knob.dump.txt'), 'utf8');
const now = new Date('2026-12-01T18:00:00Z');

function result(over: Partial<CellResultData>): CellResult {
  return new CellResult({
    cell: 'knob/tiny/7.2', scheduler: 'ktstr', schedulerExit: null, consoleLog: 'boot\n[ 14.6] sched_ext: BPF scheduler "ktstr" disabled (scx_bpf_error)\n', messages: [], timeline: [],
    ...over,
  } as unknown as CellResultData);
}

const step = (tMs: number, kind: 'step_start' | 'step_end' | 'op') => ({ tMs, kind, step: 0, stepName: 'run', iterations: {} });

test('an error exit: the summary is the dump\'s reason and message, with the file:line the message carries', () => {
  const r = result({
    schedulerExit: {
      phase: 'run', reason: 'sched_ext: ktstr: scx_ktstr.bpf.c:207: ktstr: error knob fired after 200 enqueues', exitStatus: 2,
      dmesg: ['[ 14.6] sched_ext: BPF scheduler "ktstr" disabled (scx_bpf_error)'],
      output: `scx-ktstr: attached ops=ktstr\nscx-ktstr: exit dump-begin\n${errorDump}scx-ktstr: exit dump-end\nscx-ktstr: exit msg=boom\n`,
    },
    // The step's end came after the exit: it is not part of what led to it.
    timeline: [step(5600, 'op'), step(5649, 'step_start'), step(7000, 'step_end')],
    messages: [{ type: 'sched_exit', t_ms: 6233 }] as unknown as CellResultData['messages'],
    monitor: {
      enabled: true, intervalMs: 100, sampleCount: 2, captureCount: 0, captures: [], scenarioStartTMs: 5649, pausedMs: 0, sampleHostMs: null,
      series: new SampleSeries([0, 1, 2, 3, 4, 5, 6].map((i) => ({ index: i, elapsedMs: i * 100, kind: 'sample' as const, data: { cpus: [{ cpu: 0, nrRunning: 1, clock: 123n }], events: null } }))),
    },
  });
  const d = buildFailureDump({ cell: 'knob/tiny/7.2', error: new SchedulerExitError(r), maps: 'no maps here', now });
  assert.equal(d.kind, 'scheduler-exit');
  assert.equal(d.bugSummary, 'scheduler ktstr exited during run: scx_bpf_error: scx_ktstr.bpf.c:207: ktstr: error knob fired after 200 enqueues');
  assert.equal(d.location, 'scx_ktstr.bpf.c:207');
  assert.equal(d.exitDump?.cpus.length, 2);
  assert.deepEqual(d.timeline.map((e) => e.tMs), [5600, 5649]);
  assert.deepEqual(d.monitor.samples.map((s) => s.index), [2, 3, 4, 5, 6], 'the last five readings');
  assert.equal(d.monitor.omitted, 2);
  assert.deepEqual(d.monitor.samples[0]!.data, { cpus: [{ cpu: 0, nrRunning: 1, clock: 123 }], events: null }, 'u64 readings are JSON numbers');
  assert.deepEqual(d.bpfMaps, { unavailable: 'no maps here' });
  assert.deepEqual(d.schedulerOutputTail, ['scx-ktstr: attached ops=ktstr', 'scx-ktstr: exit msg=boom'], 'the dump is not repeated in the output tail');
  assert.equal(d.madeAt, '2026-12-01T18:00:00.000Z');
  assert.doesNotThrow(() => JSON.stringify(d));
});

test('a watchdog stall without a dump in the output falls back on the kernel\'s line', () => {
  const r = result({ schedulerExit: { phase: 'run', reason: 'sched_ext: ktstr: victim[106] failed to run for 2.540s', exitStatus: 2, dmesg: [], output: 'scx-ktstr: exit reason=runnable task stall\n' } });
  const d = buildFailureDump({ cell: 'c', error: new SchedulerExitError(r), maps: 'x', now });
  assert.equal(d.bugSummary, 'scheduler ktstr exited during run: ktstr: victim[106] failed to run for 2.540s');
  assert.equal(d.exitDump, undefined);
  assert.match(d.exitDumpMissing!, /holds no exit dump/);
});

test('a verifier rejection shows the folded log and names the program and the verifier\'s complaint', () => {
  const body = Array.from({ length: 9 }, (_, i) => `${10 + i}: (79) r1 = *(u64 *)(r6 +${i * 8})\n; sum += v->slots[i]; @ scx_ktstr.bpf.c:380`).join('\n');
  const output = [
    "libbpf: prog 'ktstr_init': BPF program load failed: -EACCES",
    "libbpf: prog 'ktstr_init': -- BEGIN PROG LOAD LOG --",
    body,
    'invalid access to map value, value_size=64 off=64 size=8',
    'R6 min value is outside of the allowed memory range',
    'processed 120 insns (limit 1000000) max_states_per_insn 0 total_states 9 peak_states 9 mark_read 1',
    '-- END PROG LOAD LOG --',
  ].join('\n');
  const r = result({ schedulerExit: { phase: 'attach', reason: 'scheduler process exited with status 1 before sched_ext was enabled', exitStatus: 1, dmesg: [], output } });
  const d = buildFailureDump({ cell: 'c', error: new SchedulerExitError(r), maps: 'x', now });
  assert.equal(d.kind, 'verifier-rejection');
  assert.equal(d.bugSummary, 'the verifier rejected program ktstr_init of scheduler ktstr: R6 min value is outside of the allowed memory range');
  assert.equal(d.verifierLogs?.length, 1);
  assert.match(d.exitDumpMissing!, /never ran/);
});

test('a guest whose kernel crashed is summarised by the kernel\'s crash line and its source position', () => {
  const console = 'ktstr-guest[10 ms]: step 0\n[   20.5] kernel BUG at kernel/sched/ext.c:1234!\n[   20.5] Oops: invalid opcode: 0000 [#1] SMP\n';
  const d = buildFailureDump({ cell: 'c/t/k', error: new CellError('c/t/k: the guest did not come up: timeout', console), maps: 'x', now });
  assert.equal(d.kind, 'cell-error');
  assert.equal(d.bugSummary, 'the guest kernel: kernel BUG at kernel/sched/ext.c:1234!');
  assert.equal(d.location, 'kernel/sched/ext.c:1234');
  assert.deepEqual(d.consoleTail.at(-1), '[   20.5] Oops: invalid opcode: 0000 [#1] SMP');
});

test('an assertion is summarised by its first line; the cell\'s last result gives the rest', () => {
  const r = result({ timeline: [step(10, 'step_start'), step(20, 'step_end')] });
  const d = buildFailureDump({ cell: 'a/b/c', error: new Error('a/b/c: iterations 12 below 100\n  in cgroup x'), result: r, maps: 'x', now });
  assert.equal(d.kind, 'assertion');
  assert.equal(d.bugSummary, 'iterations 12 below 100');
  assert.equal(d.timeline.length, 2, 'without an exit the whole timeline');
  assert.equal(d.location, undefined);
  assert.match(d.error, /iterations 12 below 100\n {2}in cgroup x\n {4}at /, 'the stack is kept');
});

test('the kernel\'s words for a crash and a source position are found where they are', () => {
  assert.equal(crashLine('[ 1.0] WARNING: CPU: 1 PID: 0 at kernel/sched/ext.c:99 scx_foo+0x1/0x2\n'), 'WARNING: CPU: 1 PID: 0 at kernel/sched/ext.c:99 scx_foo+0x1/0x2');
  assert.equal(crashLine('all fine\n'), undefined);
  assert.equal(findLocation(['no position', 'at scx_lavd.bpf.c:88: oops']), 'scx_lavd.bpf.c:88');
  assert.equal(findLocation(['value=0x12:34']), undefined);
  assert.equal(verifierComplaint('1: (b7) r0 = 0\n; x = 1; @ a.c:3\nBPF program is too large\nprocessed 1 insns'), 'BPF program is too large');
});

test('JSON values keep u64 exact and unreadable fields with their reason', () => {
  assert.deepEqual(jsonValue({ a: 1n, b: 18446744073709551615n, c: new Unavailable('gone'), d: ['x'.repeat(5000)] }), {
    a: 1, b: '18446744073709551615', c: { unavailable: 'gone' }, d: [`${'x'.repeat(4096)}… (904 more characters)`],
  });
});

test('the kernel\'s own copy of the exit dump (its trace event) is preferred to the loader\'s, which may be cut', () => {
  const cut = 'scx-ktstr: exit dump-begin\nktstr: root\nx[1] triggered exit kind 1025 on CPU 0:\n  scx_bpf_error (loader copy)\n~~~~ TRUNCATED ~~~~\nscx-ktstr: exit dump-end\n';
  const r = result({ schedulerExit: { phase: 'run', reason: 'scx_bpf_error: sched_ext: ktstr: boom', exitStatus: 2, dmesg: [], output: cut, kernelDump: `${errorDump}\n` } });
  const d = buildFailureDump({ cell: 'c', error: new SchedulerExitError(r), maps: 'x', now });
  assert.equal(d.exitDump?.source, 'trace-event');
  assert.equal(d.exitDump?.truncated, false);
  assert.equal(d.exitDump?.message, 'scx_ktstr.bpf.c:207: ktstr: error knob fired after 200 enqueues');
  // Without any dump, the kernel's line the agent picked, its kind in front and no "sched_ext: ".
  const bare = result({ schedulerExit: { phase: 'run', reason: 'scx_bpf_error: sched_ext: ktstr: boom', exitStatus: 2, dmesg: [], output: '' } });
  assert.equal(buildFailureDump({ cell: 'c', error: new SchedulerExitError(bare), maps: 'x', now }).bugSummary, 'scheduler ktstr exited during run: scx_bpf_error: ktstr: boom');
});

test('a loader that refuses an option: its refusal is kept ahead of its usage text, and no kernel line is said to be none', () => {
  const usage = ["/bin/scx-ktstr: unrecognized option '--nope'", 'Usage: scx-ktstr [options]', ...Array.from({ length: 60 }, (_, i) => `  --opt${i}`)].join('\n');
  const r = result({ schedulerExit: { phase: 'attach', reason: 'scheduler process exited with status 1 before sched_ext was enabled', exitStatus: 1, dmesg: [], output: usage } });
  const d = buildFailureDump({ cell: 'c', error: new SchedulerExitError(r), maps: 'x', now });
  assert.equal(d.schedulerOutputTail[0], "/bin/scx-ktstr: unrecognized option '--nope'");
  assert.equal(d.schedulerOutputTail.at(-1), '  --opt59');
  assert.match(renderFailureDump(d), /--- kernel sched_ext lines: none ---\n/);
});
