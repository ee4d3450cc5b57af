import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AREA, schedBtf, schedKernel, type SchedShape } from '../fixtures/synthetic-sched.js';
import { readSchedDomains, spanOffset } from './sched-domain.js';
import { cpumaskCpus, cpumaskHex } from './cpumask.js';
import { Unavailable } from '../unavailable.js';

const shape: SchedShape = { events: 'pcpu', watchdog: 'sched', schedstats: true, spanMember: false, attached: true, cpus: 4, kaslr: false };

test('the span offset: the span member when the BTF lists it, else the end of the struct rounded to unsigned long', () => {
  assert.equal(spanOffset(schedBtf(shape)), 0x28, 'span_weight ends at 0x24');
  assert.equal(spanOffset(schedBtf({ ...shape, spanMember: true })), 0x28);
});

for (const spanMember of [false, true]) {
  test(`the domain tree from rq->sd upward, spans decoded (span member ${spanMember ? 'listed' : 'absent'})`, () => {
    const k = schedKernel({ ...shape, spanMember });
    const d = readSchedDomains(k.prog, 3);
    assert.ok(Array.isArray(d), String(d));
    assert.deepEqual(d.map(({ level, name, span, spanWeight, flags }) => ({ level, name, span, spanWeight, flags })), [
      { level: 0, name: 'MC', span: [2, 3], spanWeight: 2, flags: 0x100 },
      { level: 1, name: 'PKG', span: [0, 1, 2, 3], spanWeight: 4, flags: 0x200 },
    ]);
  });
}

test('a domain chain that loops, or runs too long, ends the walk with a reason', () => {
  const k = schedKernel(shape);
  const sd0 = k.areaVa(0) + BigInt(AREA.sd);
  // PKG's parent points back at MC.
  k.area(0).writeBigUInt64LE(sd0, AREA.sd + 0x100);
  const loop = readSchedDomains(k.prog, 0);
  assert.ok(loop instanceof Unavailable);
  assert.match(loop.unavailable, /cpu 0: sched_domain chain loops back to 0x[0-9a-f]+ after 2 levels/);
  const k2 = schedKernel(shape);
  const short = readSchedDomains(k2.prog, 0, { maxLevels: 1 });
  assert.match((short as Unavailable).unavailable, /longer than 1 levels/);
});

test('a CPU without domains (rq->sd NULL) has none', () => {
  const k = schedKernel(shape);
  k.area(2).writeBigUInt64LE(0n, 0x40 + 0x108);
  assert.deepEqual(readSchedDomains(k.prog, 2), []);
});

test('cpumasks decode bit n as CPU n and print as the kernel does', () => {
  assert.deepEqual(cpumaskCpus(Buffer.from([0b1010_0001, 0, 1]), 20), [0, 5, 7, 16]);
  assert.deepEqual(cpumaskCpus(Buffer.from([0xff]), 3), [0, 1, 2], 'bits beyond nr_cpu_ids are not CPUs');
  assert.equal(cpumaskHex([0, 1], 4), '3');
  assert.equal(cpumaskHex([2, 3], 8), '0c');
  assert.equal(cpumaskHex([0, 33], 40), '02,00000001');
});
