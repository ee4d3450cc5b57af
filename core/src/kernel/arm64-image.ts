/**
 * Debian's arm64 kernel image and the BTF inside it.
 *
 * Debian ships arm64 kernels as an uncompressed `Image` (the arm64 boot protocol's format: a
 * 64-byte header whose magic "ARM\x64" sits at offset 0x38, also a PE file for EFI), not as an
 * EFI zboot or Image.gz; QEMU's -kernel boots it as it is. Unlike x86's bzImage it holds no ELF
 * vmlinux to unpack: the kernel's sections are laid out flat, .BTF among them. The BTF blob is
 * found by its header (magic 0xEB9F, version 1, a 24-byte header whose type and string sections
 * follow back to back, strings starting and ending with NUL) and wrapped in a minimal ELF with
 * one `.BTF` section, so everything that reads a vmlinux's BTF (the monitor, bpftool's
 * vmlinux.h) reads it unchanged. That `vmlinux` has no code and no symbols: as on x86_64 the
 * symbols come from a booted guest's /proc/kallsyms.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export const ARM64_IMAGE_MAGIC_OFFSET = 0x38;
const ARM64_IMAGE_MAGIC = Buffer.from('ARM\x64', 'latin1');
const BTF_MAGIC = Buffer.from([0x9f, 0xeb, 0x01]); // 0xEB9F little-endian, then version 1
const BTF_HEADER_BYTES = 24;
export const EM_AARCH64 = 183;

/** Whether these first bytes of a file are an arm64 `Image`. */
export function isArm64Image(head: Buffer): boolean {
  return head.length >= ARM64_IMAGE_MAGIC_OFFSET + 4
    && head.subarray(ARM64_IMAGE_MAGIC_OFFSET, ARM64_IMAGE_MAGIC_OFFSET + 4).equals(ARM64_IMAGE_MAGIC);
}

export function fileIsArm64Image(path: string): boolean {
  const head = Buffer.alloc(ARM64_IMAGE_MAGIC_OFFSET + 4);
  const fd = openSync(path, 'r');
  try {
    return isArm64Image(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
  } finally {
    closeSync(fd);
  }
}

/**
 * The kernel's own BTF blob inside an Image: the largest well-formed one (a BPF program's
 * BTF embedded elsewhere is far smaller). Undefined when there is none.
 */
export function findImageBtf(image: Buffer): Buffer | undefined {
  let best: Buffer | undefined;
  for (let at = image.indexOf(BTF_MAGIC); at >= 0; at = image.indexOf(BTF_MAGIC, at + 1)) {
    if (at + BTF_HEADER_BYTES > image.length) break;
    const flags = image[at + 3]!;
    const hdrLen = image.readUInt32LE(at + 4);
    const typeOff = image.readUInt32LE(at + 8);
    const typeLen = image.readUInt32LE(at + 12);
    const strOff = image.readUInt32LE(at + 16);
    const strLen = image.readUInt32LE(at + 20);
    if (flags !== 0 || hdrLen !== BTF_HEADER_BYTES || typeOff !== 0 || strOff !== typeLen || strLen === 0) continue;
    const end = at + hdrLen + strOff + strLen;
    if (end > image.length) continue;
    const strings = image.subarray(at + hdrLen + strOff, end);
    if (strings[0] !== 0 || strings[strings.length - 1] !== 0) continue;
    if (!best || end - at > best.length) best = image.subarray(at, end);
  }
  return best;
}

/**
 * A minimal little-endian ELF64 holding `btf` as its only section besides the section-name
 * table: the form BTF readers expect of a vmlinux.
 */
export function btfOnlyElf(btf: Buffer, machine = EM_AARCH64): Buffer {
  const shstrtab = Buffer.from('\0.BTF\0.shstrtab\0', 'latin1');
  const ehdrBytes = 64;
  const shdrBytes = 64;
  const btfOffset = ehdrBytes;
  const strOffset = btfOffset + btf.length;
  const shOffset = Math.ceil((strOffset + shstrtab.length) / 8) * 8;
  const out = Buffer.alloc(shOffset + 3 * shdrBytes);
  // ELF header
  out.write('\x7fELF', 0, 'latin1');
  out[4] = 2; // ELFCLASS64
  out[5] = 1; // little-endian
  out[6] = 1; // EV_CURRENT
  out.writeUInt16LE(2, 16); // ET_EXEC, as a vmlinux
  out.writeUInt16LE(machine, 18);
  out.writeUInt32LE(1, 20);
  out.writeBigUInt64LE(BigInt(shOffset), 40); // e_shoff
  out.writeUInt16LE(ehdrBytes, 52);
  out.writeUInt16LE(shdrBytes, 58);
  out.writeUInt16LE(3, 60); // e_shnum
  out.writeUInt16LE(2, 62); // e_shstrndx
  btf.copy(out, btfOffset);
  shstrtab.copy(out, strOffset);
  const section = (index: number, name: number, type: number, offset: number, size: number, align: number) => {
    const at = shOffset + index * shdrBytes;
    out.writeUInt32LE(name, at);
    out.writeUInt32LE(type, at + 4);
    out.writeBigUInt64LE(BigInt(offset), at + 24);
    out.writeBigUInt64LE(BigInt(size), at + 32);
    out.writeBigUInt64LE(BigInt(align), at + 48);
  };
  section(1, 1, 1 /* SHT_PROGBITS */, btfOffset, btf.length, 4);
  section(2, 6, 3 /* SHT_STRTAB */, strOffset, shstrtab.length, 1);
  return out;
}
