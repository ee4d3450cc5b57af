import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { checkKernelImage, kernelImageKind } from './image-check.js';
import { resolveKernel } from './resolve.js';

const dir = mkdtempSync(join(tmpdir(), 'ktstr-image-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a bzImage header and an ELF magic are kernels; text is not', () => {
  const bz = Buffer.alloc(0x300);
  bz.write('HdrS', 0x202, 'latin1');
  assert.equal(kernelImageKind(bz), 'bzImage');
  assert.equal(kernelImageKind(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1])), 'elf');
  assert.equal(kernelImageKind(Buffer.from('#!/bin/sh\necho not a kernel\n')), undefined);
  // "HdrS" one byte off is not the header.
  const off = Buffer.alloc(0x300);
  off.write('HdrS', 0x203, 'latin1');
  assert.equal(kernelImageKind(off), undefined);
});

test('a file that is not a kernel is refused by name with what to do, before anything boots', async () => {
  const notKernel = join(dir, 'vmlinuz');
  writeFileSync(notKernel, 'CONFIG_SCHED_CLASS_EXT=y\n');
  assert.throws(() => checkKernelImage(notKernel), (e: Error) => {
    assert.match(e.message, /is not a Linux kernel image/);
    assert.ok(e.message.includes(notKernel), e.message);
    assert.match(e.message, /ktstr kernel fetch/);
    return true;
  });
  await assert.rejects(resolveKernel(notKernel), /is not a Linux kernel image/);
  await assert.rejects(resolveKernel(dir), /is not a Linux kernel image/);
});
