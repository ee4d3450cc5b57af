/**
 * End-to-end check that a real kernel accepts what this folder writes: an LZ4 legacy
 * compressed cpio spanning several 8 MiB chunks, holding dynamically linked host binaries
 * with their closure, followed by a zero word and an uncompressed cpio. Needs a kernel image
 * built with CONFIG_RD_LZ4 (KTSTR_TEST_KERNEL=/path/to/vmlinuz, else the newest cached kernel)
 * and qemu-system-x86_64. Takes a few seconds under TCG.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpioWriter } from './cpio.js';
import { compressLz4Legacy, LZ4_LEGACY_CHUNK_BYTES } from './lz4-legacy.js';
import { resolveSharedLibraries } from './closure.js';
import { findCachedKernel } from '../kernel/kernel-cache.js';

const kernel = process.env.KTSTR_TEST_KERNEL ?? findCachedKernel()?.vmlinuz;

test('the kernel unpacks our LZ4 legacy cpio and runs dynamically linked binaries from it', { skip: kernel === undefined && 'no kernel: set KTSTR_TEST_KERNEL or run `ktstr kernel fetch`' }, () => {
  const binaries = ['/usr/bin/ls', '/usr/bin/qemu-system-x86_64'];
  const base = new CpioWriter()
    .file('/bin/busybox', readFileSync('/bin/busybox'), 0o755)
    .dir('/proc')
    .charDev('/dev/console', 5, 1)
    .file(
      '/init',
      [
        '#!/bin/busybox sh',
        '/bin/busybox mount -t proc proc /proc',
        '/usr/bin/ls /lib64/ld-linux-x86-64.so.2 && echo LS-RAN',
        '/usr/bin/qemu-system-x86_64 --version | /bin/busybox head -n 1',
        '/bin/busybox cat /cell.txt',
        '/bin/busybox poweroff -f',
        '',
      ].join('\n'),
      0o755,
    );
  for (const binary of binaries) base.file(binary, readFileSync(binary), 0o755);
  for (const entry of resolveSharedLibraries(binaries)) {
    if (entry.kind === 'symlink') base.symlink(entry.guestPath, entry.target);
    else base.file(entry.guestPath, readFileSync(entry.hostPath), statSync(entry.hostPath).mode & 0o7777);
  }
  const cpio = base.finish();
  assert.ok(cpio.length > 2 * LZ4_LEGACY_CHUNK_BYTES, 'the archive should span several LZ4 chunks');
  const compressed = compressLz4Legacy(cpio);
  const padding = Buffer.alloc(((4 - (compressed.length % 4)) % 4) + 4); // alignment, then the zero word that ends the LZ4 stream
  const cell = new CpioWriter().file('/cell.txt', 'SECOND-ARCHIVE-UNPACKED\n').finish();

  const dir = mkdtempSync(join(tmpdir(), 'ktstr-boot-'));
  try {
    const initrd = join(dir, 'initrd');
    writeFileSync(initrd, Buffer.concat([compressed, padding, cell]));
    const console = execFileSync(
      'qemu-system-x86_64',
      ['-kernel', kernel!, '-initrd', initrd, '-append', 'console=ttyS0 panic=-1 rdinit=/init', '-nographic', '-no-reboot', '-m', '1024', '-accel', 'tcg'],
      { encoding: 'utf8', timeout: 240_000, maxBuffer: 64 * 1024 * 1024 },
    );
    assert.match(console, /LS-RAN/, console.slice(-4000));
    assert.match(console, /QEMU emulator version/);
    assert.match(console, /SECOND-ARCHIVE-UNPACKED/);
    assert.doesNotMatch(console, /Initramfs unpacking failed|Kernel panic/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
