import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machineDefinition, type SnapshotKeyInput } from './snapshot-key.js';

const input: SnapshotKeyInput = {
  qemuBinary: 'qemu-system-x86_64',
  accel: 'tcg',
  kernel: '/k/vmlinuz',
  topology: { numaNodes: 1, llcs: 1, coresPerLlc: 2, threadsPerCore: 1 },
  memoryMiB: 512,
  baseImageKey: 'base',
};

test('a KASLR boot is another machine, so another snapshot; the default is unchanged', () => {
  assert.deepEqual(machineDefinition({ ...input, kaslr: false }), machineDefinition(input));
  assert.notDeepEqual(machineDefinition({ ...input, kaslr: true }), machineDefinition(input));
});
