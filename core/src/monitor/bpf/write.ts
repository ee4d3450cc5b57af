/**
 * Writes into guest kernel memory at a virtual address: every page of the range is translated
 * first and nothing is written unless all of it is in RAM, so a write that fails leaves the
 * guest as it was. The program must have been opened writable (KernelProgram.open(..., { writable: true })).
 */
import type { KernelProgram } from '../program.js';
import { hex, Unavailable } from '../unavailable.js';

export function writeVirtual(p: KernelProgram, va: bigint, bytes: Uint8Array): undefined | Unavailable {
  const pieces: { pa: bigint; from: number; to: number }[] = [];
  let done = 0;
  while (done < bytes.length) {
    const at = BigInt.asUintN(64, va + BigInt(done));
    const t = p.translator.toPhysical(at);
    if (t instanceof Unavailable) return new Unavailable(`write at ${hex(at)}: ${t.unavailable}; nothing written`, at);
    const room = t.via === 'page table' ? t.pageSize - (at & (t.pageSize - 1n)) : t.pageSize;
    const n = Number(BigInt(bytes.length - done) < room ? BigInt(bytes.length - done) : room);
    pieces.push({ pa: t.pa, from: done, to: done + n });
    done += n;
  }
  for (const { pa, from, to } of pieces) {
    const r = p.mem.writeBytes(pa, bytes.subarray(from, to));
    if (r instanceof Unavailable) return new Unavailable(`write at ${hex(va)}: ${r.unavailable}${r.unavailable.includes('read-only') ? ' (open the KernelProgram with { writable: true })' : ''}`, va);
  }
  return undefined;
}
