/**
 * Whether a file is a Linux kernel QEMU can boot, checked before any VM starts: a wrong file
 * (a config, an initrd, a module) otherwise gets as far as QEMU, whose guest never speaks and
 * whose error is about the channel, which says nothing about the real mistake.
 *
 * Accepted: an x86 boot image (bzImage: the setup header's magic "HdrS" at offset 0x202, which
 * every boot protocol since 2.00 has), an ELF vmlinux (QEMU boots those through PVH), and an
 * arm64 Image (the magic "ARM\x64" at offset 0x38; aarch64 guests, arm64-image.ts).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { KtstrError } from '../errors.js';
import { isArm64Image } from './arm64-image.js';

const HDRS_OFFSET = 0x202;
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export type KernelImageKind = 'bzImage' | 'elf' | 'arm64-image';

/** The kind of kernel image in the first bytes of a file, or undefined when it is neither. */
export function kernelImageKind(head: Buffer): KernelImageKind | undefined {
  if (head.length >= 4 && head.subarray(0, 4).equals(ELF_MAGIC)) return 'elf';
  if (head.length >= HDRS_OFFSET + 4 && head.toString('latin1', HDRS_OFFSET, HDRS_OFFSET + 4) === 'HdrS') return 'bzImage';
  if (isArm64Image(head)) return 'arm64-image';
  return undefined;
}

/** Throws a KtstrError naming the path unless it holds a bzImage, an ELF vmlinux or an arm64 Image. */
export function checkKernelImage(path: string, where = 'kernel'): KernelImageKind {
  const head = Buffer.alloc(HDRS_OFFSET + 4);
  let n = 0;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    n = readSync(fd, head, 0, head.length, 0);
  } catch (e) {
    throw new KtstrError(where, path, `cannot be read (${(e as Error).message})`, 'Give a readable kernel image (bzImage/vmlinuz), or a version such as 7.2 to use a cached or fetched kernel.');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const kind = kernelImageKind(head.subarray(0, n));
  if (!kind) {
    throw new KtstrError(where, path,
      `is not a Linux kernel image (no bzImage header "HdrS" at offset 0x202, no ELF magic and no arm64 Image magic at 0x38; ${n} bytes read)`,
      'Point --kernel at a bzImage (arch/x86/boot/bzImage, /boot/vmlinuz-*), an ELF vmlinux or an arm64 Image (arch/arm64/boot/Image), or give a version such as 7.2 (`ktstr kernel fetch` fetches one; `ktstr kernel list` shows the cache).');
  }
  return kind;
}
