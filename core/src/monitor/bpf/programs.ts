/**
 * The BPF programs of a running kernel, from prog_idr (every loaded program with an id), with
 * what the verifier and the kernel's run statistics say about each: verified_insns (how many
 * instructions the verifier processed, the number `bpftool prog` shows and the one a verifier
 * budget is judged by), and run count and time from bpf_prog.stats, a per-CPU struct summed
 * over CPUs. The kernel only counts runs while kernel.bpf_stats_enabled is on (the static key
 * bpf_stats_enabled_key); with it off the counters stay where they were, so they are reported
 * as Unavailable with that reason, never as 0.
 */
import { nrCpuIds, perCpuAddress } from '../helpers/percpu.js';
import type { KernelProgram } from '../program.js';
import { hex, Unavailable } from '../unavailable.js';
import { idrObjects } from './maps.js';
import type { BpfOffsets } from './offsets.js';

export interface BpfProgInfo {
  readonly id: number;
  readonly address: bigint;
  /** bpf_prog_aux.name: the program's function name, truncated to 15 characters. */
  readonly name: string;
  /** bpftool's name of the type ('struct_ops', 'tracing', ...). */
  readonly type: string;
  readonly typeNumber: number;
  /** bpf_prog.len: instructions after the verifier's rewrites. */
  readonly insns: number;
  /** bpf_prog_aux.verified_insns: instructions the verifier processed to accept the program. */
  readonly verifiedInsns: number;
  /** For struct_ops: the ops member it implements ('select_cpu'); for tracing, the attach target. */
  readonly attachFuncName: string | Unavailable;
  /** Runs, summed over CPUs; Unavailable while kernel.bpf_stats_enabled is 0. */
  readonly runCount: bigint | Unavailable;
  /** Nanoseconds spent running, summed over CPUs; Unavailable like runCount. */
  readonly runTimeNs: bigint | Unavailable;
}

/** Whether the kernel counts BPF program runs now (kernel.bpf_stats_enabled, a static key's count). */
export function bpfStatsEnabled(p: KernelProgram): boolean | Unavailable {
  const key = p.address('bpf_stats_enabled_key');
  if (key instanceof Unavailable) return key;
  // struct static_key_false { struct static_key key; }: key.enabled, an atomic_t, comes first.
  const enabled = p.readU32(key);
  return enabled instanceof Unavailable ? enabled : enabled !== 0;
}

export function readProgram(p: KernelProgram, o: BpfOffsets, address: bigint, statsOn: boolean | Unavailable, id?: number): BpfProgInfo | Unavailable {
  const type = p.readU32(address + o.prog.type);
  const len = p.readU32(address + o.prog.len);
  const aux = p.readU64(address + o.prog.aux);
  const stats = p.readU64(address + o.prog.stats);
  for (const v of [type, len, aux, stats]) if (v instanceof Unavailable) return new Unavailable(`struct bpf_prog at ${hex(address)}: ${v.unavailable}`, address);
  const a = aux as bigint;
  const progId = p.readU32(a + o.aux.id);
  const verified = p.readU32(a + o.aux.verifiedInsns);
  const nameBytes = p.readBytes(a + o.aux.name, o.aux.nameLen);
  const attachPtr = p.readU64(a + o.aux.attachFuncName);
  for (const v of [progId, verified, nameBytes, attachPtr]) if (v instanceof Unavailable) return new Unavailable(`bpf_prog_aux at ${hex(a)}: ${v.unavailable}`, a);
  if (id !== undefined && progId !== id) return new Unavailable(`prog_idr id ${id} points at ${hex(address)}, whose aux id is ${progId}: freed or being replaced; read again`, address);
  const nb = nameBytes as Buffer;
  const nul = nb.indexOf(0);
  const attachFuncName = attachPtr === 0n ? new Unavailable('no attach function (the program type has none)') : p.readCString(attachPtr as bigint, 128);
  const [runCount, runTimeNs] = runStats(p, o, stats as bigint, statsOn);
  return {
    id: progId as number, address, name: nb.subarray(0, nul === -1 ? nb.length : nul).toString('latin1'),
    type: o.progTypes.get(type as number) ?? `type ${type}`, typeNumber: type as number, insns: len as number,
    verifiedInsns: verified as number, attachFuncName, runCount, runTimeNs,
  };
}

function runStats(p: KernelProgram, o: BpfOffsets, stats: bigint, statsOn: boolean | Unavailable): [bigint | Unavailable, bigint | Unavailable] {
  if (stats === 0n) return [new Unavailable('the program has no run statistics (bpf_prog.stats is NULL)'), new Unavailable('the program has no run statistics (bpf_prog.stats is NULL)')];
  const n = nrCpuIds(p.translator, p.symbols);
  if (n instanceof Unavailable) return [n, n];
  let cnt = 0n;
  let ns = 0n;
  for (let cpu = 0; cpu < n; cpu++) {
    const at = perCpuAddress(p.translator, p.symbols, stats, cpu);
    if (at instanceof Unavailable) return [at, at];
    const c = p.readU64(at + o.stats.cnt);
    const t = p.readU64(at + o.stats.nsecs);
    if (c instanceof Unavailable) return [c, c];
    if (t instanceof Unavailable) return [t, t];
    cnt += c;
    ns += t;
  }
  if (statsOn === true) return [cnt, ns];
  const why = statsOn instanceof Unavailable
    ? `whether the kernel counts runs is unknown (bpf_stats_enabled_key: ${statsOn.unavailable})`
    : 'kernel.bpf_stats_enabled is 0, so the kernel does not count runs; `sysctl -w kernel.bpf_stats_enabled=1` in the guest before the scheduler runs';
  const stale = cnt !== 0n ? ` (the counters hold ${cnt} runs, ${ns} ns from while it was on)` : '';
  return [new Unavailable(`${why}${stale}`), new Unavailable(`${why}${stale}`)];
}

/** Every program in prog_idr, by id; one that cannot be read is kept as its Unavailable. */
export function listPrograms(p: KernelProgram, o: BpfOffsets): (BpfProgInfo | Unavailable)[] | Unavailable {
  const objects = idrObjects(p, o, 'prog_idr');
  if (objects instanceof Unavailable) return objects;
  const statsOn = bpfStatsEnabled(p);
  return objects.map(({ id, address }) => readProgram(p, o, address, statsOn, id));
}
