import { test } from 'node:test';
import assert from 'node:assert/strict';
import { missingKernelConfig, REQUIRED_KERNEL_CONFIG } from './config-check.js';

const complete = REQUIRED_KERNEL_CONFIG.map((r) => `${r.option}=y`).join('\n');

test('a config with every requirement passes', () => {
  assert.deepEqual(missingKernelConfig(complete), []);
});

test('a kernel without sched_ext is rejected and the option named', () => {
  const text = complete.replace('CONFIG_SCHED_CLASS_EXT=y', '# CONFIG_SCHED_CLASS_EXT is not set');
  assert.deepEqual(missingKernelConfig(text).map((r) => r.option), ['CONFIG_SCHED_CLASS_EXT']);
});

test('channel devices built as modules do not count: the guest loads none', () => {
  const text = complete.replace('CONFIG_VIRTIO_CONSOLE=y', 'CONFIG_VIRTIO_CONSOLE=m').replace('CONFIG_RD_LZ4=y', 'CONFIG_RD_LZ4=m');
  assert.deepEqual(missingKernelConfig(text).map((r) => r.option), ['CONFIG_VIRTIO_CONSOLE']);
});
