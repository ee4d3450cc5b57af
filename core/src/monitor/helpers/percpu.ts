/**
 * Per-CPU variables, as the kernel's per_cpu_ptr(): the variable's address plus the CPU's entry
 * in __per_cpu_offset. On x86-64 (7.x) per-CPU symbols in kallsyms are image-range addresses and
 * the offsets bring them into the direct map (the first per-CPU chunk) or vmalloc space (later
 * chunks); the sum wraps modulo 2^64, as in the kernel's unsigned arithmetic. arm64 is the same
 * shape: image-range symbols, the first chunk in the linear map.
 */
import type { KernelVirtualMemory } from '../translate.js';
import type { Symbols } from '../symbols.js';
import { Unavailable } from '../unavailable.js';

/** How many CPU ids the kernel uses (nr_cpu_ids), read from the guest. */
export function nrCpuIds(tr: KernelVirtualMemory, symbols: Symbols): number | Unavailable {
  const va = symbols.address('nr_cpu_ids');
  return va instanceof Unavailable ? va : tr.readU32(va);
}

/** __per_cpu_offset[cpu]. */
export function perCpuOffset(tr: KernelVirtualMemory, symbols: Symbols, cpu: number): bigint | Unavailable {
  const base = symbols.address('__per_cpu_offset');
  if (base instanceof Unavailable) return base;
  const n = nrCpuIds(tr, symbols);
  if (n instanceof Unavailable) return n;
  if (!Number.isInteger(cpu) || cpu < 0 || cpu >= n) return new Unavailable(`cpu ${cpu}: outside 0..${n - 1} (nr_cpu_ids ${n})`);
  return tr.readU64(base + BigInt(cpu) * 8n);
}

/** The address of per-CPU variable `address` (a symbol's, or a pointer read from a __percpu field) on `cpu`. */
export function perCpuAddress(tr: KernelVirtualMemory, symbols: Symbols, address: bigint, cpu: number): bigint | Unavailable {
  const off = perCpuOffset(tr, symbols, cpu);
  return off instanceof Unavailable ? off : BigInt.asUintN(64, address + off);
}

/** The address of per-CPU symbol `name` on `cpu`: `perCpuSymbol(tr, syms, 'runqueues', 1)` is CPU 1's struct rq. */
export function perCpuSymbol(tr: KernelVirtualMemory, symbols: Symbols, name: string, cpu: number): bigint | Unavailable {
  const va = symbols.address(name);
  return va instanceof Unavailable ? va : perCpuAddress(tr, symbols, va, cpu);
}
