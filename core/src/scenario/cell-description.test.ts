import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCellDescription } from './cell-description.js';
import { cgroup } from './cgroup.js';
import { cpuset } from './cpuset.js';
import { work } from './work.js';

const topology = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };

test('LLC-relative cpusets become CPU lists of the cell topology', () => {
  const text = buildCellDescription({
    topology,
    scheduler: { guestPath: '/bin/scx-ktstr', args: ['--stall-comm', 'victim'] },
    schedTimeoutMs: 20000,
    durationMs: 1500,
    cgroups: [
      cgroup('a', { cpuset: cpuset.llc(0), workers: 2, work: work.spinWait() }),
      cgroup('b', { cpuset: cpuset.llc(1), workers: 3, work: work.pipeIo({ burstUs: 200 }), comm: 'victim' }),
    ],
  });
  assert.equal(text, [
    'ktstr-cell 1', 'scheduler /bin/scx-ktstr', 'sched_arg --stall-comm', 'sched_arg victim',
    'sched_timeout_ms 20000', 'duration_ms 1500',
    'cgroup a', 'cpuset 0-1', 'workers 2', 'work spin_wait', 'end',
    'cgroup b', 'cpuset 2-3', 'workers 3', 'work pipe_io', 'param burst_us 200', 'comm victim', 'end', '',
  ].join('\n'));
});

test('an LLC the topology lacks is rejected with the field path before any VM starts', () => {
  assert.throws(() => buildCellDescription({
    topology, schedTimeoutMs: 1, durationMs: 1,
    cgroups: [cgroup('a', { workers: 1, work: work.spinWait() }), cgroup('b', { cpuset: cpuset.llc(3), workers: 1, work: work.spinWait() })],
  }), /cgroups\[1\]\.cpuset: LLC 3 does not exist on 1n2l2c1t \(2 LLCs\)/);
});

test('duplicate cgroup names and bad worker counts name their field', () => {
  assert.throws(() => buildCellDescription({
    topology, schedTimeoutMs: 1, durationMs: 1,
    cgroups: [cgroup('a', { workers: 1, work: work.spinWait() }), cgroup('a', { workers: 1, work: work.spinWait() })],
  }), /cgroups\[1\]\.name: is used twice/);
  assert.throws(() => buildCellDescription({
    topology, schedTimeoutMs: 1, durationMs: 1, cgroups: [cgroup('a', { workers: 0, work: work.spinWait() })],
  }), /cgroups\[0\]\.workers/);
});
