/**
 * Cpumasks: arrays of unsigned long, bit n for CPU n, nr_cpu_ids bits used. Read as bytes, so
 * the 64-bit words' little-endian order gives CPU n in byte n/8, bit n%8.
 */
import type { KernelProgram } from '../program.js';
import { nrCpuIds } from './percpu.js';
import { hex, Unavailable } from '../unavailable.js';

/** The CPUs set in a cpumask's bytes, below `nrCpus`. */
export function cpumaskCpus(bytes: Uint8Array, nrCpus: number): number[] {
  const cpus: number[] = [];
  for (let cpu = 0; cpu < nrCpus && cpu < bytes.length * 8; cpu++) {
    if ((bytes[cpu >> 3]! >> (cpu & 7)) & 1) cpus.push(cpu);
  }
  return cpus;
}

/** Bytes a cpumask of `nrCpus` bits occupies: whole unsigned longs. */
export function cpumaskBytes(nrCpus: number): number {
  return Math.ceil(nrCpus / 64) * 8;
}

/** The CPUs of the cpumask at kernel address `va` (nr_cpu_ids bits). */
export function readCpumask(prog: KernelProgram, va: bigint): number[] | Unavailable {
  const n = nrCpuIds(prog.translator, prog.symbols);
  if (n instanceof Unavailable) return n;
  const b = prog.readBytes(va, cpumaskBytes(n));
  return b instanceof Unavailable ? new Unavailable(`cpumask at ${hex(va)}: ${b.unavailable}`, va) : cpumaskCpus(b, n);
}

/** The kernel's printed form (`%*pb`): hex words of 32 bits, most significant first, comma-separated. */
export function cpumaskHex(cpus: readonly number[], nrCpus: number): string {
  const words = Math.max(1, Math.ceil(nrCpus / 32));
  const w = new Array<number>(words).fill(0);
  for (const c of cpus) w[c >> 5]! |= 1 << (c & 31);
  // The first (most significant) word is printed without leading zeros beyond nr_cpu_ids' width.
  const topChars = Math.ceil((nrCpus - (words - 1) * 32) / 4) || 1;
  return w
    .reverse()
    .map((x, i) => (x >>> 0).toString(16).padStart(i === 0 ? topChars : 8, '0'))
    .join(',');
}
