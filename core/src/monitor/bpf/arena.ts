/**
 * BPF arena memory, read from the host. An arena map (struct bpf_arena, kernel/bpf/arena.c)
 * reserves 4 GiB of kernel virtual space (`kern_vm`) with a guard half on each side; programs
 * hold arena pointers as user addresses, and the JIT reaches one at
 * kern_vm_start + (lower 32 bits of the pointer), kern_vm_start = kern_vm->addr + GUARD_SZ / 2.
 * The host does the same sum and reads through the monitor's translation (a page-table walk:
 * arena pages are vmalloc'ed).
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import { memberPath } from '../btf/member-path.js';
import type { KernelProgram } from '../program.js';
import { hex, Unavailable } from '../unavailable.js';
import type { BpfMapInfo } from './maps.js';

/**
 * GUARD_SZ / 2: GUARD_SZ is round_up(1 << 16, PAGE_SIZE << 1) (the reach of an instruction's s16
 * offset), 64 KiB with 4 KiB and 16 KiB pages.
 */
export const ARENA_GUARD_HALF = 1n << 15n;

/** kern_vm_start of the arena map `map` (its struct bpf_map is the first member of struct bpf_arena). */
export function arenaKernStart(program: KernelProgram, vmlinux: Btf, map: BpfMapInfo): bigint | Unavailable {
  if (map.type !== 'arena') return new Unavailable(`map ${map.name} is a ${map.type} map, not an arena`);
  const arena = vmlinux.lookup('bpf_arena', 'STRUCT');
  const vm = vmlinux.lookup('vm_struct', 'STRUCT');
  if (!arena.found || !vm.found) return new Unavailable('the kernel\'s BTF has no struct bpf_arena or vm_struct: arena memory cannot be found');
  const kernVm = memberPath(vmlinux, arena.type.id, 'kern_vm');
  const addr = memberPath(vmlinux, vm.type.id, 'addr');
  if (kernVm instanceof BtfError || !kernVm.found || addr instanceof BtfError || !addr.found) {
    return new Unavailable('struct bpf_arena.kern_vm or vm_struct.addr is not in the kernel\'s BTF');
  }
  const vmStruct = program.readU64(map.address + BigInt(kernVm.offsetBits / 8));
  if (vmStruct instanceof Unavailable) return new Unavailable(`bpf_arena.kern_vm of map ${map.name}: ${vmStruct.unavailable}`, map.address);
  if (vmStruct === 0n) return new Unavailable(`arena map ${map.name} has no kernel range (kern_vm is NULL)`, map.address);
  const start = program.readU64(vmStruct + BigInt(addr.offsetBits / 8));
  if (start instanceof Unavailable) return new Unavailable(`vm_struct.addr at ${hex(vmStruct)}: ${start.unavailable}`, vmStruct);
  return start + ARENA_GUARD_HALF;
}

/** Where the kernel sees the arena pointer `pointer` (a user address, or already a kernel one: only its lower 32 bits count). */
export function arenaKernelAddress(kernStart: bigint, pointer: bigint): bigint {
  return kernStart + (pointer & 0xffffffffn);
}
