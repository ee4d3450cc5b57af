import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outcomeFromRecord } from './cell-run.js';
import { cellOutcomeText, cellStartText, failureMessageText, metricsLine } from './cell-report.js';

const metrics = (over: Record<string, unknown> = {}) => ({
  worstSpread: 0.04, worstGapMs: 12.5, totalMigrations: 3, worstMigrationRatio: 0.01, maxImbalanceRatio: 1.1,
  p99WakeLatencyUs: 180, meanRunDelayUs: 40, totalIterations: 123456, ...over,
});

/** A record as `ktstr test --json` prints it (docs/cli.md). */
const record = (over: Record<string, unknown> = {}) => outcomeFromRecord({
  name: 'fair/tiny-2llc/7.2', test: 'fair', preset: 'tiny-2llc', kernel: '7.2', scheduler: 'scx-ktstr', topology: '1n2l2c1t',
  status: 'passed', durationMs: 9123, finishedAt: '2026-12-01T14:50:20.000Z',
  metrics: { run: metrics(), cgroups: { a: metrics() }, steps: [{ name: 'step 1', metrics: metrics(), cgroups: {} }] },
  timing: { bootMs: 420, bootedHow: 'restored', scenarioMs: 3100, totalMs: 9123 },
  ...over,
})!;

/** The panel is a terminal: every line ends in CRLF, none in a bare LF. */
function lines(text: string): string[] {
  assert.ok(text.endsWith('\r\n'), 'ends with CRLF');
  assert.doesNotMatch(text.replace(/\r\n/g, ''), /\n/, 'no bare LF');
  return text.slice(0, -2).split('\r\n');
}

test('metrics read as one line, in the units of docs/metrics.md', () => {
  assert.equal(metricsLine(metrics()),
    '123,456 iterations, worst spread 4.0%, worst gap 12.5 ms, p99 wake latency 180 µs, mean run delay 40 µs, 3 migrations, imbalance 1.10');
  // No blocking work: no wake latency, rather than "null µs"; large latencies in ms.
  assert.doesNotMatch(metricsLine(metrics({ p99WakeLatencyUs: null })), /wake/);
  assert.match(metricsLine(metrics({ p99WakeLatencyUs: 25_300 })), /p99 wake latency 25\.3 ms/);
  assert.match(metricsLine(metrics({ meanRunDelayUs: 1550 })), /mean run delay 1\.6 ms/);
  assert.equal(metricsLine(metrics({ totalMigrations: 1 })).includes('1 migration,'), true);
  assert.equal(metricsLine({}), '');
});

test('a passed cell: its time with boot and scenario, then its metrics', () => {
  const out = lines(cellOutcomeText(record()));
  assert.deepEqual(out, [
    '✔ fair/tiny-2llc/7.2: passed in 9.1 s (boot 0.4 s restored, scenario 3.1 s)',
    '  metrics: 123,456 iterations, worst spread 4.0%, worst gap 12.5 ms, p99 wake latency 180 µs, mean run delay 40 µs, 3 migrations, imbalance 1.10',
  ]);
});

test('several cgroups and steps get a line each; what the body printed follows, line by line', () => {
  const out = lines(cellOutcomeText(record({
    metrics: { run: metrics(), cgroups: { a: metrics(), b: metrics({ worstSpread: 0.5 }) },
      steps: [{ name: 'warm', metrics: metrics(), cgroups: {} }, { name: 'swap', metrics: metrics({ worstGapMs: 300 }), cgroups: {} }] },
    output: 'hello\nworld\n',
    timing: undefined, durationMs: 125_000,
  })));
  assert.equal(out[0], '✔ fair/tiny-2llc/7.2: passed in 2 min 05 s');
  assert.match(out[3]!, /^ {4}cgroup b: .*worst spread 50\.0%/);
  assert.match(out[5]!, /^ {4}step swap: .*worst gap 300\.0 ms/);
  assert.deepEqual(out.slice(6), ['  output of the test body:', '    | hello', '    | world']);
});

test('a failed cell: the reason, the scheduler output and console tail the CLI chose, the detail file', () => {
  const o = record({
    status: 'failed', reason: 'scheduler scx-ktstr exited during attach: status 1',
    detail: ['scheduler output (the lines stating a problem, then the last lines):', "  /bin/scx-ktstr: unrecognized option '--nope'", 'kernel sched_ext lines: (none)'],
    detailFile: '/tmp/ktstr-run-x/cells/fair.log', metrics: undefined, timing: { bootMs: 300, bootedHow: 'cold', scenarioMs: 200, totalMs: 600 },
  });
  assert.deepEqual(lines(cellOutcomeText(o)), [
    '✘ fair/tiny-2llc/7.2: failed in 0.6 s (boot 0.3 s cold, scenario 0.2 s)',
    '  scheduler scx-ktstr exited during attach: status 1',
    '  scheduler output (the lines stating a problem, then the last lines):',
    "    /bin/scx-ktstr: unrecognized option '--nope'",
    '  kernel sched_ext lines: (none)',
    '  full detail: /tmp/ktstr-run-x/cells/fair.log',
  ]);
  assert.equal(failureMessageText(o), 'scheduler scx-ktstr exited during attach: status 1\n\n' +
    "scheduler output (the lines stating a problem, then the last lines):\n  /bin/scx-ktstr: unrecognized option '--nope'\n" +
    'kernel sched_ext lines: (none)\nfull detail: /tmp/ktstr-run-x/cells/fair.log');
});

test('a failure with no reason still says so; a failed scenario keeps its metrics', () => {
  const o = record({ status: 'failed', reason: undefined });
  const out = lines(cellOutcomeText(o));
  assert.equal(out[1], '  (no reason recorded)');
  assert.match(out[2]!, /^ {2}metrics: 123,456 iterations/);
  assert.equal(failureMessageText(o), 'failed (see the ktstr output channel)');
  // A scheduler that exited before any worker ran: its all-zero metrics are left out.
  const zero = record({ status: 'failed', reason: 'scheduler exited', metrics: { run: metrics({ totalIterations: 0, worstSpread: 0 }), cgroups: {}, steps: [] } });
  assert.doesNotMatch(cellOutcomeText(zero), /metrics:/);
});

test('a skipped cell is one line with its reason; a start is one line', () => {
  assert.deepEqual(lines(cellOutcomeText(record({ status: 'skipped', reason: 'needs 64 CPUs', durationMs: 0, metrics: undefined, timing: undefined }))),
    ['○ fair/tiny-2llc/7.2: skipped (needs 64 CPUs)']);
  assert.deepEqual(lines(cellStartText('fair/tiny-2llc/7.2')), ['▶ fair/tiny-2llc/7.2: started']);
});

test('body output with CRLF or without a final newline is split the same way', () => {
  const out = lines(cellOutcomeText(record({ metrics: undefined, timing: undefined, output: 'a\r\nb' })));
  assert.deepEqual(out.slice(1), ['  output of the test body:', '    | a', '    | b']);
});

/** A failure dump as the test process writes it (core/src/failure-dump/). */
const dump = {
  version: 1 as const, cell: 'fair/tiny-2llc/7.2', kind: 'scheduler-exit' as const, madeAt: '2026-12-01T18:00:00.000Z', scheduler: 'ktstr',
  bugSummary: 'scheduler ktstr exited during run: scx_bpf_error: scx_ktstr.bpf.c:207: ktstr: error knob fired after 200 enqueues',
  location: 'scx_ktstr.bpf.c:207', exitDumpMissing: 'none in this example',
  monitor: { enabled: true, samples: [], omitted: 0, reason: 'none read' },
  bpfMaps: { readAt: 'read from the powered-off guest', unreadable: [], readMs: 3, maps: [{ id: 9, name: 'scx_ktst.bss', type: 'array', keySize: 4, valueSize: 72, maxEntries: 1, flags: [], globals: { nr_enqueued: 201 } }] },
  timeline: [], timelineOmitted: 0, consoleTail: ['[ 14.6] sched_ext: BPF scheduler "ktstr" disabled (scx_bpf_error)'], schedulerOutputTail: [], error: 'x',
};

test('a failed cell with a dump: the BUG SUMMARY is the message\'s first line and the dump is the output', () => {
  const o = record({
    status: 'failed', reason: 'scheduler ktstr exited during run: sched_ext: ktstr: boom', detail: ['kernel sched_ext lines:', '  x'],
    bugSummary: dump.bugSummary, failureDump: '/tmp/run/cells/fair.failure-dump.json', detailFile: '/tmp/run/cells/fair.log',
  });
  const msg = failureMessageText(o).split('\n');
  assert.equal(msg[0], `BUG SUMMARY: ${dump.bugSummary}`);
  assert.ok(msg.includes('scheduler ktstr exited during run: sched_ext: ktstr: boom'), 'the reason follows');
  assert.ok(msg.includes('failure dump: /tmp/run/cells/fair.failure-dump.json'));
  const out = lines(cellOutcomeText(o, dump));
  assert.match(out[0]!, /^✘ fair\/tiny-2llc\/7\.2: failed in 9\.1 s/);
  assert.equal(out[1], `  BUG SUMMARY: ${dump.bugSummary}`);
  const at = (s: string) => out.findIndex((l) => l.startsWith(s));
  assert.ok(at('  --- monitor:') > 1 && at('  --- BPF maps: 1,') > at('  --- monitor:') && at('  --- console') > at('  --- BPF maps: 1,'), out.join('\n'));
  assert.ok(out.includes('      nr_enqueued = 201'));
  assert.ok(!out.includes('  kernel sched_ext lines:'), 'the dump replaces the detail lines');
  assert.ok(out.includes('  failure dump: /tmp/run/cells/fair.failure-dump.json'));
  // Without the dump file (a run stored and moved since): the reason and its lines, as before.
  assert.equal(lines(cellOutcomeText(o))[1], '  scheduler ktstr exited during run: sched_ext: ktstr: boom');
});
