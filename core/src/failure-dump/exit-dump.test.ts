import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExitDump, parseExitDump } from './exit-dump.js';

// Dumps a 7.2 kernel wrote for the fixture's error and stall knobs (test/vm/failure-dump.test.ts).
const errorDump = readFileSync(join(import.meta.dirname, 'testdata', 'error-knob.dump.txt'), 'utf8').trimEnd();
const stallDump = readFileSync(join(import.meta.dirname, 'testdata', 'stall-knob.dump.txt'), 'utf8').trimEnd();

test('the fixture\'s markers frame the dump; its parts come apart', () => {
  const output = `scx-ktstr: attached ops=ktstr\nscx-ktstr: exit kind=SCX_EXIT_ERROR_BPF(1025) code=0 cpu=1\nscx-ktstr: exit dump-begin\n${errorDump}\nscx-ktstr: exit dump-end\n`;
  const d = findExitDump(output)!;
  assert.equal(d.source, 'ktstr-fixture');
  assert.equal(d.text, errorDump);
  assert.deepEqual(d.header, ['ktstr: root', 'ktstr-load[107] triggered exit kind 1025 on CPU 1:', '  scx_bpf_error (scx_ktstr.bpf.c:207: ktstr: error knob fired after 200 enqueues)']);
  assert.equal(d.reason, 'scx_bpf_error');
  assert.equal(d.message, 'scx_ktstr.bpf.c:207: ktstr: error knob fired after 200 enqueues');
  assert.equal(d.backtrace[0], '__scx_exit+0x4f/0x70');
  assert.ok(d.backtrace.includes('bpf_prog_005b8e338267be14_ktstr_enqueue+0xda/0x15c'));
  assert.equal(d.backtrace.at(-1), 'entry_SYSCALL_64_after_hwframe+0x76/0x7e');
  assert.deepEqual(d.opsDump, ['ktstr: enqueues=201 direct=55 dispatches=144 stalled=0 delays=0 delay_us=0', 'ktstr: shared_dsq=2 stall_dsq=0']);
  assert.deepEqual(d.cpus.map((c) => c.cpu), [1, 0]);
  assert.deepEqual(d.cpus[0]!.fields, { nr_run: '2', flags: '0x1', cpu_rel: '0', ksync: '6168' });
  assert.ok(d.cpus[0]!.lines.some((l) => l.includes('*R ktstr-load[107]')));
  assert.ok(d.cpus[1]!.lines.some((l) => l.includes('R scx-ktstr[103]')));
  assert.equal(d.events.SCX_EV_DISPATCH_KEEP_LAST, 13089);
  assert.equal(d.events.SCX_EV_BYPASS_DURATION, 27502813);
  assert.equal(Object.keys(d.events).length, 13);
  assert.equal(d.truncated, false);
});

test('scx\'s DEBUG DUMP framing, with the blank lines the kernel puts between sections', () => {
  const spaced = stallDump.replace('\nBacktrace:', '\n\nBacktrace:').replace('\nktstr: enqueues', '\n\nktstr: enqueues')
    .replace('\nCPU states', '\n\nCPU states').replace('\nEvent counters', '\n\nEvent counters');
  const rule = '='.repeat(80);
  const output = `some loader line\n\nDEBUG DUMP\n${rule}\n\n${spaced}\n\n${rule}\n\nEXIT: runnable task stall (victim[106] failed to run for 2.540s) on CPU 1\n`;
  const d = findExitDump(output)!;
  assert.equal(d.source, 'debug-dump');
  assert.equal(d.reason, 'runnable task stall');
  assert.equal(d.message, 'victim[106] failed to run for 2.540s');
  assert.equal(d.backtrace[1], 'scx_watchdog_workfn+0x18e/0x240');
  assert.deepEqual(d.opsDump, ['ktstr: enqueues=151 direct=127 dispatches=23 stalled=1 delays=0 delay_us=0', 'ktstr: shared_dsq=0 stall_dsq=1']);
  assert.deepEqual(d.cpus.map((c) => c.cpu), [1]);
  assert.ok(d.cpus[0]!.lines.some((l) => l.includes('R victim[106] *root -2540ms')));
  assert.equal(d.events.SCX_EV_BYPASS_DURATION, 124400022);
});

test('the last of several dumps is the one (a scheduler restarted after an exit)', () => {
  const out = `scx-ktstr: exit dump-begin\nfirst[1] triggered exit kind 1025 on CPU 0:\n  scx_bpf_error (one)\nscx-ktstr: exit dump-end\nscx-ktstr: exit dump-begin\nsecond[2] triggered exit kind 1026 on CPU 1:\n  runnable task stall (two)\nscx-ktstr: exit dump-end\n`;
  assert.equal(findExitDump(out)!.message, 'two');
});

test('trace events carry the dump one line each; a dump cut by the kernel says so', () => {
  const trace = [
    '# tracer: nop',
    ' kworker/1:2-40 [001] d..2. 18.1: sched_ext_dump: a[1] triggered exit kind 1025 on CPU 1:',
    ' kworker/1:2-40 [001] d..2. 18.1: sched_ext_dump:   scx_bpf_error (boom)',
    ' kworker/1:2-40 [001] d..2. 18.1: sched_ext_dump: ~~~~ TRUNCATED ~~~~',
  ].join('\n');
  const d = findExitDump(trace)!;
  assert.equal(d.source, 'trace-event');
  assert.equal(d.reason, 'scx_bpf_error');
  assert.equal(d.truncated, true);
});

test('output without a dump has none; a dump triggered by sysrq names its trigger', () => {
  assert.equal(findExitDump('scx-ktstr: exit kind=SCX_EXIT_UNREG(64) code=0 cpu=-1\nscx-ktstr: exit reason=unregistered from user space\n'), undefined);
  assert.equal(findExitDump('scx-ktstr: exit dump-begin\n\nscx-ktstr: exit dump-end\n'), undefined);
  assert.equal(parseExitDump('Debug dump triggered by SysRq-D', 'trace-event').reason, 'SysRq-D');
});
