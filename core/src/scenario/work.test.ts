import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WORK_TYPE_INFO, WORK_TYPES, work } from './work.js';

test('all 38 work types have a builder whose name matches the table', () => {
  assert.equal(WORK_TYPES.length, 38);
  assert.equal(new Set(WORK_TYPES).size, 38);
  for (const info of WORK_TYPE_INFO) {
    assert.equal(typeof (work as Record<string, unknown>)[info.builder], 'function', info.builder);
  }
  assert.equal(Object.keys(work).length, 38);
});

test('builders turn camelCase options into snake_case wire params and leave defaults out', () => {
  assert.deepEqual(work.pipeIo({ burstUs: 200 }), { type: 'pipe_io', params: { burst_us: 200 } });
  assert.deepEqual(work.spinWait(), { type: 'spin_wait', params: {} });
  assert.deepEqual(work.futexFanOut({ fanOut: 8, burstUs: undefined }), { type: 'futex_fan_out', params: { fan_out: 8 } });
  assert.deepEqual(work.custom({ command: '/bin/true' }), { type: 'custom', params: {}, command: '/bin/true' });
});

test('out-of-range and unknown parameters are rejected with the builder and parameter name', () => {
  assert.throws(() => work.bursty({ sleepUs: 0 }), /work\.bursty\(\)\.sleepUs: must be a whole number from 1 to 1000000/);
  assert.throws(() => work.wakeChain({ futex: 2 }), /work\.wakeChain\(\)\.futex: must be a whole number from 0 to 1/);
  assert.throws(() => work.pipeIo({ burstUs: 1.5 }), /burstUs/);
  assert.throws(() => work.spinWait({ burstUs: 3 } as never), /burstUs: is not a parameter of spinWait.*spinIters/);
  assert.throws(() => work.custom({ command: '' }), /work\.custom\(\)\.command: must be one non-empty command line/);
  assert.throws(() => work.custom({ command: 'a\nb' }), /command/);
});
