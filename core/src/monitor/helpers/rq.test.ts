import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schedKernel, type SchedShape } from '../fixtures/synthetic-sched.js';
import { readRunqueue } from './rq.js';
import { Unavailable } from '../unavailable.js';

const shape: SchedShape = { events: 'pcpu', watchdog: 'sched', schedstats: true, spanMember: false, attached: true, cpus: 3, kaslr: true };

test('each CPU\'s runqueue: counts, clock, the sched_ext part and the current task', () => {
  const k = schedKernel(shape);
  for (let cpu = 0; cpu < 3; cpu++) {
    assert.deepEqual(readRunqueue(k.prog, cpu), {
      cpu, rqCpu: cpu, nrRunning: cpu + 1, clock: 1000n + BigInt(cpu),
      scx: { nrRunning: cpu, flags: 0x21 }, localDsqDepth: cpu + 2,
      curr: { pid: 100 + cpu, comm: `task-${cpu}` },
    });
  }
});

test('a CPU beyond nr_cpu_ids, and a NULL curr, are Unavailable field by field', () => {
  const k = schedKernel(shape);
  const r = readRunqueue(k.prog, 3);
  assert.ok(r.nrRunning instanceof Unavailable && /cpu 3: outside 0..2/.test(r.nrRunning.unavailable));
  assert.ok(r.curr.pid instanceof Unavailable);
  k.area(1).writeBigUInt64LE(0n, 0x40 + 8);
  const r1 = readRunqueue(k.prog, 1);
  assert.equal(r1.nrRunning, 2);
  assert.ok(r1.curr.comm instanceof Unavailable);
  assert.equal(r1.curr.comm.unavailable, 'runqueues[cpu 1].curr (struct task_struct *) is a null pointer');
});
