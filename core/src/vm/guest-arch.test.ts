import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accelFor, archOfRelease, parseGuestArch, qemuBinaryFor } from './guest-arch.js';

test('architectures parse by the kernel\'s names; Debian\'s names are refused with the right one', () => {
  assert.equal(parseGuestArch('aarch64'), 'aarch64');
  assert.equal(parseGuestArch('x86_64'), 'x86_64');
  assert.throws(() => parseGuestArch('arm64'), /--arch: is not a supported architecture \(Debian calls it arm64; ktstr uses the kernel's name, aarch64\).*Use x86_64 or aarch64/);
  assert.throws(() => parseGuestArch('riscv64', 'arch'), /^KtstrError|arch: is not a supported architecture \(got "riscv64"\)/);
});

test('a Debian release names its architecture; each has its QEMU', () => {
  assert.equal(archOfRelease('7.2.13+deb14-cloud-arm64'), 'aarch64');
  assert.equal(archOfRelease('7.2.13+deb14-cloud-amd64'), 'x86_64');
  assert.equal(archOfRelease('my-build'), 'x86_64');
  const saved = process.env.KTSTR_QEMU_AARCH64;
  delete process.env.KTSTR_QEMU_AARCH64;
  assert.equal(qemuBinaryFor('aarch64'), 'qemu-system-aarch64');
  if (saved !== undefined) process.env.KTSTR_QEMU_AARCH64 = saved;
});

test('a foreign guest is emulated, and says so', { skip: process.arch !== 'x64' ? 'checks an x86_64 host' : false }, () => {
  const a = accelFor('aarch64');
  assert.equal(a.accel, 'tcg');
  assert.match(a.reason, /aarch64 guest on an x86_64 host/);
});
