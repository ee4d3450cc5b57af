import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schedKernel, type SchedShape } from '../fixtures/synthetic-sched.js';
import { parseProcSchedstat, readSchedstat } from './schedstat.js';
import { Unavailable } from '../unavailable.js';

const shape: SchedShape = { events: 'pcpu', watchdog: 'sched', schedstats: true, spanMember: false, attached: true, cpus: 2, kaslr: true };

test('a runqueue\'s schedstat counters, and whether the kernel is counting', () => {
  const k = schedKernel(shape);
  assert.deepEqual(readSchedstat(k.prog, 1), {
    cpu: 1, enabled: true, pcount: 11n, runDelay: 12n, rqCpuTime: 13n,
    yldCount: 14, schedCount: 15, schedGoidle: 16, ttwuCount: 17, ttwuLocal: 18,
  });
  k.global('sched_schedstats').writeInt32LE(0, 0);
  assert.equal(readSchedstat(k.prog, 1).enabled, false);
});

test('without CONFIG_SCHEDSTATS the counters are absent, each saying why; sched_info still reads', () => {
  const k = schedKernel({ ...shape, schedstats: false });
  const s = readSchedstat(k.prog, 0);
  assert.equal(s.runDelay, 2n);
  assert.equal(s.pcount, 1n);
  for (const f of ['rqCpuTime', 'yldCount', 'schedCount', 'schedGoidle', 'ttwuCount', 'ttwuLocal'] as const) {
    assert.ok(s[f] instanceof Unavailable, f);
    assert.match((s[f] as Unavailable).unavailable, /struct rq has no .* \(a kernel without CONFIG_SCHEDSTATS/);
  }
});

test('/proc/schedstat parses into the same fields, with each CPU\'s domains', () => {
  const text = [
    'version 17',
    'timestamp 4294940000',
    'cpu0 3 0 900 400 500 200 123456 7890 450',
    'domain0 MC 03 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
    'domain1 PKG 0f 0 0',
    'cpu1 0 0 10 5 6 1 99 8 7',
    '',
  ].join('\n');
  const p = parseProcSchedstat(text);
  assert.equal(p.version, 17);
  assert.deepEqual(p.cpus[0], {
    cpu: 0, yldCount: 3, schedCount: 900, schedGoidle: 400, ttwuCount: 500, ttwuLocal: 200,
    rqCpuTime: 123456n, runDelay: 7890n, pcount: 450n,
    domains: [{ index: 0, name: 'MC', mask: '03' }, { index: 1, name: 'PKG', mask: '0f' }],
  });
  assert.equal(p.cpus[1]!.pcount, 7n);
  assert.deepEqual(p.cpus[1]!.domains, []);
});
