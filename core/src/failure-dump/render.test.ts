import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExitDump } from './exit-dump.js';
import type { FailureDump } from './failure-dump.js';
import { bugSummaryLine, NO_LIMITS, renderFailureDump, TERMINAL_LIMITS } from './render.js';

const text = readFileSync(join(import.meta.dirname, 'testdata', 'error-knob.dump.txt'), 'utf8').trimEnd();

function dump(over: Partial<FailureDump> = {}): FailureDump {
  return {
    version: 1, cell: 'c/t/k', kind: 'scheduler-exit', madeAt: '2026-12-01T18:00:00.000Z', scheduler: 'ktstr',
    bugSummary: 'scheduler ktstr exited during run: scx_bpf_error: scx_ktstr.bpf.c:207: boom', location: 'scx_ktstr.bpf.c:207',
    schedulerExit: { phase: 'run', reason: 'sched_ext: ktstr: boom', exitStatus: 2, kernelLog: ['sched_ext: BPF scheduler "ktstr" disabled (scx_bpf_error)'] },
    exitDump: parseExitDump(text, 'ktstr-fixture'),
    monitor: {
      enabled: true, omitted: 3, samples: [{
        index: 4, elapsedMs: 400.4, kind: 'sample',
        data: { scx: { state: 'SCX_DISABLING', opsName: 'ktstr' }, cpus: [{ cpu: 0, nrRunning: 5, scx: { nrRunning: 4 }, localDsqDepth: 0, curr: { pid: 1, comm: 'init' } }], events: { SCX_EV_DISPATCH_KEEP_LAST: 13089, SCX_EV_REENQ_IMMED: 0 } },
      }],
    },
    bpfMaps: {
      readAt: 'read from the powered-off guest', unreadable: [], readMs: 12.5,
      maps: [
        { id: 1, name: 'scx_ktst.bss', type: 'array', keySize: 4, valueSize: 64, maxEntries: 1, flags: ['mmapable'], globals: { nr_enqueued: 201, big: '18446744073709551615', stats: { a: 1, b: [1, 2] } } },
        { id: 2, name: 'pcpu_stats', type: 'percpu_array', keySize: 4, valueSize: 16, maxEntries: 1, flags: [], elements: [{ index: 0, value: [{ enqueues: 155 }, { enqueues: 48 }] }] },
        { id: 3, name: 'wake_cpus', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 64, flags: [], entries: [{ key: 1, value: 17 }], omitted: 'stopped after 1 entry' },
        { id: 5, name: 'running_task', type: 'array', keySize: 4, valueSize: 16, maxEntries: 64, flags: [], elements: [{ index: 0, value: { task: { raw: '18446612682144455552', type: 'task_struct', cast: '(cast→kernel)', target: { __state: 1026, stack: 1, pid: 106, comm: 'ktstr-a', se: { unavailable: 'not expanded' }, a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7 } }, since_ns: 14 } }] },
        { id: 4, name: 'ktstr_ops', type: 'struct_ops', keySize: 4, valueSize: 576, maxEntries: 1, flags: [], unavailable: 'the contents of a struct_ops map are not decoded' },
      ],
    },
    timeline: [{ tMs: 5649, kind: 'step_start', step: 0, stepName: 'run', iterations: {} }],
    timelineOmitted: 0,
    consoleTail: ['[ 14.6] sched_ext: BPF scheduler "ktstr" disabled (scx_bpf_error)'],
    schedulerOutputTail: ['scx-ktstr: exit reason=scx_bpf_error'],
    error: 'boom',
    ...over,
  };
}

test('the sections come in the order a developer reads them, each with what it holds', () => {
  const out = renderFailureDump(dump());
  const heads = ['BUG SUMMARY:', '--- kernel sched_ext exit dump (', '--- kernel sched_ext lines', '--- scheduler output', '--- monitor: last 1 reading(s) of 4', '--- BPF maps: 5,', '--- timeline up to the failure (1 event(s))', '--- console'];
  const at = heads.map((h) => out.indexOf(h));
  assert.ok(at.every((a, i) => a >= 0 && (i === 0 || a > at[i - 1]!)), `${heads.map((h, i) => `${h}@${at[i]}`).join(' ')}\n${out}`);
  assert.ok(out.startsWith('BUG SUMMARY: scheduler ktstr exited during run: scx_bpf_error: scx_ktstr.bpf.c:207: boom\n'), 'the location already in the message is not added twice');
  assert.match(out, /--- BPF maps: 5, read from the powered-off guest \(12\.5 ms\) ---/);
  assert.match(out, /cpu 0: nr_running 5, scx nr_running 4, local DSQ 0, curr 1 "init"/);
  assert.match(out, /events: DISPATCH_KEEP_LAST 13089\n/);
  assert.match(out, / {4}nr_enqueued = 201\n {4}big = 18446744073709551615\n {4}stats\.a = 1\n {4}stats\.b = \[1, 2\]\n/);
  assert.match(out, / {4}\[0\]\[1\]\.enqueues = 48\n/);
  assert.match(out, / {4}\[1\] = 17\n {4}\(stopped after 1 entry\)\n/);
  // A chased kernel pointer: the pointer, its cast mark and a few of the object's fields, named ones first.
  assert.match(out, / {4}\[0\]\.task = 18446612682144455552 \(cast→kernel\) struct task_struct \*\n {4}\[0\]\.task->pid = 106\n {4}\[0\]\.task->comm = "ktstr-a"\n {4}\[0\]\.task->__state = 1026\n/);
  assert.match(out, / {4}\[0\]\.task-> … 4 more fields in the JSON file\n {4}\[0\]\.since_ns = 14\n/);
  assert.match(out, /ktstr_ops \(struct_ops, id 4, .*\): the contents of a struct_ops map are not decoded/);
  assert.match(out, /\n +5649 ms {2}step_start step 0 'run'\n/);
});

test('the terminal form cuts long sections and says so; the full form does not', () => {
  const long = dump({ consoleTail: Array.from({ length: 100 }, (_, i) => `line ${i}`) });
  const short = renderFailureDump(long, TERMINAL_LIMITS);
  assert.match(short, /… 75 more lines in the JSON file\nline 75\n/);
  assert.ok(!renderFailureDump(long, NO_LIMITS).includes('more lines in the JSON file'));
});

test('what is missing is said: no dump, no readings, maps not read; auto-repro is printed when attached', () => {
  const out = renderFailureDump(dump({
    exitDump: undefined, exitDumpMissing: 'the scheduler did not exit', monitor: { enabled: false, reason: 'monitor: false', samples: [], omitted: 0 },
    bpfMaps: { unavailable: 'the cell has no sched_ext scheduler' }, kind: 'assertion', bugSummary: 'iterations 1 below 2', location: undefined,
    autoRepro: { lines: ['  ktstr_enqueue: p->pid=106'], durationMs: 12_300 },
  }));
  assert.match(out, /^BUG SUMMARY: iterations 1 below 2\n/);
  assert.match(out, /--- kernel sched_ext exit dump: none \(the scheduler did not exit\) ---\n/);
  assert.match(out, /\(none: monitor: false\)/);
  assert.match(out, /--- BPF maps ---\n\(not read: the cell has no sched_ext scheduler\)/);
  assert.match(out, /--- auto-repro \(12\.3 s, apart from the cell's time\) ---\n {2}ktstr_enqueue: p->pid=106\n$/);
  assert.equal(bugSummaryLine({ bugSummary: 'the guest kernel: kernel BUG at x.c:1!', location: 'x.c:1' }), 'BUG SUMMARY: the guest kernel: kernel BUG at x.c:1!');
  assert.equal(bugSummaryLine({ bugSummary: 'stall', location: 'ext.c:9' }), 'BUG SUMMARY: stall (at ext.c:9)');
});

test('a verifier rejection shows the folded log instead of an exit dump', () => {
  const out = renderFailureDump(dump({ kind: 'verifier-rejection', exitDump: undefined, exitDumpMissing: 'never ran', verifierLogs: [{ program: 'ktstr_init', log: '0: r1 = 0\ninvalid access', complete: true }] }));
  assert.match(out, /--- verifier log of ktstr_init \(repeated loop bodies folded\) ---\n0: r1 = 0\ninvalid access\n/);
  assert.ok(!out.includes('--- kernel sched_ext exit dump'));
});

test('a loader that exits before attaching: the summary, then at once what it printed', () => {
  const out = renderFailureDump(dump({
    bugSummary: 'scheduler scx-ktstr exited during attach: scheduler process exited with status 1 before sched_ext was enabled', location: undefined,
    exitDump: undefined, exitDumpMissing: 'the scheduler exited before sched_ext enabled it', schedulerExit: { phase: 'attach', reason: 'r', exitStatus: 1, kernelLog: [] },
    schedulerOutputTail: ["/bin/scx-ktstr: unrecognized option '--no-such-option'", 'Usage: scx-ktstr [options]'],
  })).split('\n');
  assert.deepEqual(out.slice(0, 6), [
    'BUG SUMMARY: scheduler scx-ktstr exited during attach: scheduler process exited with status 1 before sched_ext was enabled',
    '--- kernel sched_ext exit dump: none (the scheduler exited before sched_ext enabled it) ---',
    '--- kernel sched_ext lines: none ---',
    '--- scheduler output (the lines stating a problem, then the last lines) ---', "  /bin/scx-ktstr: unrecognized option '--no-such-option'", '  Usage: scx-ktstr [options]',
  ]);
});
