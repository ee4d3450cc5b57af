/**
 * A scheduler binary must be built for the guest's architecture. Sent to the wrong guest it would
 * fail inside the VM as "Exec format error", after a boot that costs a minute on an emulated
 * arm64; checked on the host before anything boots, the message says what to build instead.
 */
import { KtstrError } from '../errors.js';
import { EM_AARCH64, EM_X86_64, readElfFile } from '../initramfs/elf.js';
import type { GuestArch } from '../vm/guest-arch.js';

const MACHINE: Readonly<Record<GuestArch, number>> = { x86_64: EM_X86_64, aarch64: EM_AARCH64 };

/** Throws unless the ELF file at `binary` runs on `arch`; a non-ELF file (a script) passes. */
export function checkSchedulerArch(binary: string, arch: GuestArch, where: string): void {
  let machine: number;
  let machineName: string;
  try {
    const elf = readElfFile(binary);
    machine = elf.machine;
    machineName = elf.machineName;
  } catch {
    return; // not ELF: an interpreter inside the guest decides
  }
  if (machine === MACHINE[arch]) return;
  throw new KtstrError(`${where}: scheduler`, binary, `is built for ${machineName}, but the cell's guest is ${arch}`,
    arch === 'aarch64'
      ? 'Cross-build the scheduler for arm64 (aarch64-linux-gnu-gcc, static or with its libraries), or run the cell on x86_64.'
      : 'Build the scheduler for x86_64, or run the cell with --arch aarch64 and an arm64 kernel.');
}
