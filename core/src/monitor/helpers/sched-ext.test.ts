import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_NAMES, schedBtf, schedKernel, type SchedShape } from '../fixtures/synthetic-sched.js';
import { eventLayout, readSchedExtState, readWatchdogTimeout, watchdogSource, writeWatchdogTimeout } from './sched-ext.js';
import { Unavailable } from '../unavailable.js';

const shape: SchedShape = { events: 'pcpu', watchdog: 'sched', schedstats: true, spanMember: false, attached: true, cpus: 4, kaslr: true };

test('the event layout is chosen from the BTF: pcpu -> event_stats, event_stats_cpu, or none', () => {
  const pcpu = eventLayout(schedBtf(shape));
  assert.equal(pcpu.kind, 'pcpu');
  assert.ok(pcpu.kind === 'pcpu' && pcpu.statsOffset === 0x10);
  assert.deepEqual(pcpu.kind === 'pcpu' && pcpu.events.map((e) => e.name), [...EVENT_NAMES]);
  const older = eventLayout(schedBtf({ ...shape, events: 'event_stats_cpu' }));
  assert.equal(older.kind, 'event_stats_cpu');
  const none = eventLayout(schedBtf({ ...shape, events: 'none' }));
  assert.deepEqual(none, { kind: 'disabled', reason: 'struct scx_sched has neither pcpu -> scx_sched_pcpu.event_stats nor event_stats_cpu' });
});

for (const events of ['pcpu', 'event_stats_cpu'] as const) {
  test(`event counters are summed over CPUs and kept per CPU (${events})`, () => {
    const k = schedKernel({ ...shape, events });
    const s = readSchedExtState(k.prog);
    assert.equal(s.state, 'SCX_ENABLED');
    assert.equal(s.stateValue, 1);
    assert.equal(s.opsName, 'ktstr_synthetic');
    assert.ok(s.events && !(s.events instanceof Unavailable), String(s.events));
    assert.equal(s.events.layout, events);
    // CPU c holds (c+1)*(i+1) for event i: the sum over 4 CPUs is 10*(i+1).
    EVENT_NAMES.forEach((n, i) => assert.equal(s.events && !(s.events instanceof Unavailable) && s.events.totals[n], BigInt(10 * (i + 1)), n));
    assert.deepEqual(s.events.perCpu[2], { SCX_EV_SELECT_CPU_FALLBACK: 3n, SCX_EV_DISPATCH_KEEP_LAST: 6n, SCX_EV_ENQ_SKIP_EXITING: 9n });
  });
}

test('scx_root is read on every call: a scheduler that detaches leaves no name and no counters', () => {
  const k = schedKernel(shape);
  assert.equal(readSchedExtState(k.prog).opsName, 'ktstr_synthetic');
  k.global('scx_root').writeBigUInt64LE(0n, 0);
  k.global('scx_enable_state_var').writeInt32LE(3, 0);
  assert.deepEqual(readSchedExtState(k.prog), { state: 'SCX_DISABLED', stateValue: 3, opsName: null, events: null });
  // Another scheduler at another address.
  const other = k.areaVa(1) + 0x4000n;
  k.area(1).write('second\0', 0x4000 + 0x10);
  k.area(1).writeBigUInt64LE(k.prog.address('__per_cpu_start') as bigint, 0x4000 + 0x100);
  k.global('scx_root').writeBigUInt64LE(other, 0);
  assert.equal(readSchedExtState(k.prog).opsName, 'second');
});

test('without event counters in the BTF, counting is disabled and the reason logged once', () => {
  const k = schedKernel({ ...shape, events: 'none' });
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  const a = readSchedExtState(k.prog, { log });
  const b = readSchedExtState(k.prog, { log });
  assert.equal(a.opsName, 'ktstr_synthetic');
  assert.ok(a.events instanceof Unavailable && b.events instanceof Unavailable);
  assert.match(a.events.unavailable, /neither pcpu/);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /event counters not sampled: struct scx_sched has neither/);
});

test('the watchdog timeout: scx_sched.watchdog_timeout when the BTF has it, else scx_watchdog_timeout; both writable', () => {
  const newer = schedKernel(shape);
  assert.equal(watchdogSource(newer.prog.btf!), 'scx_sched.watchdog_timeout');
  assert.deepEqual(readWatchdogTimeout(newer.prog), { source: 'scx_sched.watchdog_timeout', jiffies: 7500n });
  assert.deepEqual(writeWatchdogTimeout(newer.prog, 250n), { source: 'scx_sched.watchdog_timeout' });
  assert.equal(newer.area(0).readBigUInt64LE(0x4000 + 0x108), 250n);
  assert.equal(newer.global('scx_watchdog_timeout').readBigUInt64LE(0), 3000n, 'the global is not the one used');

  const older = schedKernel({ ...shape, watchdog: 'global' });
  assert.equal(watchdogSource(older.prog.btf!), 'scx_watchdog_timeout');
  assert.deepEqual(readWatchdogTimeout(older.prog), { source: 'scx_watchdog_timeout', jiffies: 3000n });
  assert.deepEqual(writeWatchdogTimeout(older.prog, 100n), { source: 'scx_watchdog_timeout' });
  assert.equal(older.global('scx_watchdog_timeout').readBigUInt64LE(0), 100n);

  const detached = schedKernel({ ...shape, attached: false });
  assert.match((readWatchdogTimeout(detached.prog) as Unavailable).unavailable, /scx_root is NULL/);
});
