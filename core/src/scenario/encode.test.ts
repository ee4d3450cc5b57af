import { test } from 'node:test';
import assert from 'node:assert/strict';
import { affinity } from './affinity.js';
import { cgroup } from './cgroup.js';
import { cpuset } from './cpuset.js';
import { buildCommandCell, encodeScenarioCell } from './encode.js';
import { hold } from './hold.js';
import { oneStepScenario } from './one-step.js';
import { op } from './ops.js';
import { policy } from './policy.js';
import { scenario, step } from './scenario.js';
import { validateScenario } from './validate.js';
import { work } from './work.js';

const tiny2 = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };

test('a multi-step scenario encodes to the v2 wire text', () => {
  const s = scenario({
    name: 'golden',
    cgroups: [
      cgroup('a', { cpuset: cpuset.llc(0), weight: 200, workers: 2, work: work.pipeIo({ burstUs: 200 }), comm: 'victim', nice: -5, affinity: affinity.singleCpu() }),
      cgroup('parent', { cpuset: cpuset.llc(1) }),
      cgroup('parent/child', { workers: 3, work: work.custom({ command: '/bin/stress --cpu 1' }), pcomm: 'chrome', policy: policy.fifo(10), affinity: affinity.exact(cpuset.exact([2, 3])) }),
      cgroup('t', { workers: 1, work: work.yieldHeavy(), clone: 'thread', policy: policy.batch() }),
    ],
    steps: [
      step('warmup', [op.add('a'), op.add('parent/child')], hold.fixed(1000)),
      step('shuffle', [op.setCpuset('a', cpuset.exact([2, 3])), op.swapCpuset('a', 'parent/child'), op.spawn('a', 2), op.stop('a', 'all'),
        op.setAffinity('a', 'all'), op.add('t'), op.move('a', 't'), op.clearCpuset('a'), op.remove('parent/child')], hold.fraction(0.25)),
      step('churn', [op.swapCpuset('a', 't')], hold.looped(hold.fixed(300), 100)),
    ],
  });
  const text = encodeScenarioCell(validateScenario(s, tiny2, { durationMs: 2000 }), {
    scheduler: { guestPath: '/bin/scx-ktstr', args: ['--config', '/etc/k.json'] }, schedTimeoutMs: 20000, log: ['marker\nline'],
  });
  assert.equal(text, `ktstr-cell 2
scheduler /bin/scx-ktstr
sched_arg --config
sched_arg /etc/k.json
sched_timeout_ms 20000
log marker line
cgroup a
cpuset 0-1
weight 200
workers 2
work pipe_io
param burst_us 200
comm victim
nice -5
worker_affinity 0 0
worker_affinity 1 1
end
cgroup parent
cpuset 2-3
end
cgroup parent/child
workers 3
work custom
command /bin/stress --cpu 1
pcomm chrome
policy fifo 10
affinity 2-3
end
cgroup t
workers 1
work yield_heavy
clone thread
policy batch
end
step warmup
op add a
op add parent/child
hold_ms 1000
end
step shuffle
op set_cpuset a 2-3
op swap_cpuset a parent/child
op spawn a 2
op stop a all
op set_affinity a all
op add t
op move a t
op clear_cpuset a
op remove parent/child
hold_ms 500
end
step churn
op swap_cpuset a t
hold_ms 300
loop_ms 100
end
`);
});

test('vm.run(cgroups, hold) is a one-step scenario that adds every cgroup', () => {
  const text = encodeScenarioCell(validateScenario(oneStepScenario([
    cgroup('a', { workers: 1, work: work.spinWait({ spinIters: 10 }) }),
    cgroup('b', { workers: 2, work: work.bursty() }),
  ], hold.fraction(1)), tiny2, { durationMs: 1500 }), { schedTimeoutMs: 0 });
  assert.equal(text, ['ktstr-cell 2', 'cgroup a', 'workers 1', 'work spin_wait', 'param spin_iters 10', 'end', 'cgroup b', 'workers 2', 'work bursty', 'end',
    'step run', 'op add a', 'op add b', 'hold_ms 1500', 'end', ''].join('\n'));
});

test('command cells are version 2 with the same header', () => {
  assert.equal(buildCommandCell({ schedTimeoutMs: 0, command: { exec: 'cat /etc/x' } }), 'ktstr-cell 2\nexec cat /etc/x\n');
  assert.throws(() => buildCommandCell({ schedTimeoutMs: 0, command: { exec: ' ' } }), /--exec: is empty/);
});
