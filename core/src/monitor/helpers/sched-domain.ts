/**
 * Scheduling domains: the tree the load balancer walks from a CPU upward (SMT siblings, then the
 * LLC, then the package, then NUMA levels), rq->sd, then each domain's ->parent. The span (the
 * CPUs a domain covers) is a flexible array at the end of struct sched_domain, sized at boot
 * for nr_cpu_ids; its offset comes from BTF: the `span` member when the BTF lists it, else the
 * end of the last member rounded up to unsigned long, which is where C places a trailing
 * `unsigned long span[]` (the 7.2 Debian BTF leaves the flexible member out).
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import type { BtfComposite } from '../btf/kinds.js';
import type { KernelProgram } from '../program.js';
import type { KObject } from '../object.js';
import { Unavailable } from '../unavailable.js';
import { cpumaskBytes, cpumaskCpus } from './cpumask.js';
import { nrCpuIds } from './percpu.js';
import { runqueue } from './rq.js';

export interface SchedDomain {
  address: bigint;
  /** sd->level: 0 for the lowest domain. */
  level: number | Unavailable;
  /** sd->name: "SMT", "MC", "PKG", "NUMA", ... */
  name: string | Unavailable;
  /** The CPUs in the domain's span. */
  span: number[] | Unavailable;
  /** sd->span_weight: the kernel's count of the span. */
  spanWeight: number | Unavailable;
  /** sd->flags: SD_* bits. */
  flags: number | Unavailable;
}

/** No kernel has more levels than this (SMT, CLS, MC, PKG, and NUMA distances); a longer chain is corrupt or freed. */
export const MAX_DOMAIN_LEVELS = 16;

/** Byte offset of sched_domain's span in this BTF. */
export function spanOffset(btf: Btf): number | Unavailable {
  const sd = btf.lookup('sched_domain', 'STRUCT');
  if (!sd.found) return new Unavailable(`the kernel's BTF has no struct sched_domain (${sd.why})`);
  const t = sd.type as BtfComposite;
  const span = t.members.find((m) => m.name === 'span');
  if (span !== undefined) return span.bitsOffset / 8;
  const last = t.members.at(-1);
  if (last === undefined) return new Unavailable('struct sched_domain has no members');
  const size = btf.sizeOf(last.type);
  if (size instanceof BtfError) return new Unavailable(`struct sched_domain.${last.name}: ${size.problem}`);
  const end = last.bitsOffset / 8 + size;
  const offset = Math.ceil(end / 8) * 8;
  // The flexible array starts inside (or right at the end of) the struct's declared size.
  if (offset > t.size) return new Unavailable(`struct sched_domain: span would start at ${offset}, past its size ${t.size}`);
  return offset;
}

/**
 * The domains of `cpu` from the lowest up. A chain that loops or runs past MAX_DOMAIN_LEVELS
 * ends the walk with an Unavailable: the tree is being rebuilt (CPU hotplug, a cpuset
 * change frees domains under RCU) or was misread.
 */
export function readSchedDomains(prog: KernelProgram, cpu: number, options: { maxLevels?: number } = {}): SchedDomain[] | Unavailable {
  const rq = runqueue(prog, cpu);
  if (rq instanceof Unavailable) return rq;
  const offset = spanOffset(rq.btf);
  const nr = nrCpuIds(prog.translator, prog.symbols);
  const max = options.maxLevels ?? MAX_DOMAIN_LEVELS;
  const first = rq.member('sd');
  if (first instanceof Unavailable) return first;
  const out: SchedDomain[] = [];
  const seen = new Set<bigint>();
  let ptr: KObject = first;
  for (;;) {
    const p = ptr.read();
    if (p instanceof Unavailable) return p;
    if (p === 0n) return out;
    if (seen.has(p as bigint)) return new Unavailable(`cpu ${cpu}: sched_domain chain loops back to 0x${(p as bigint).toString(16)} after ${out.length} levels`);
    if (out.length >= max) return new Unavailable(`cpu ${cpu}: sched_domain chain longer than ${max} levels`);
    seen.add(p as bigint);
    const sd = ptr.deref();
    if (sd instanceof Unavailable) return sd;
    const num = (path: string) => {
      const v = sd.readMember(path);
      return typeof v === 'bigint' ? Number(v) : v;
    };
    let span: number[] | Unavailable;
    if (offset instanceof Unavailable) span = offset;
    else if (nr instanceof Unavailable) span = nr;
    else {
      const b = prog.readBytes(sd.address + BigInt(offset), cpumaskBytes(nr));
      span = b instanceof Unavailable ? b : cpumaskCpus(b, nr);
    }
    const nameObj = sd.member('name');
    out.push({
      address: sd.address,
      level: num('level'),
      name: nameObj instanceof Unavailable ? nameObj : nameObj.readString(64),
      span,
      spanWeight: num('span_weight'),
      flags: num('flags'),
    });
    const parent = sd.member('parent');
    if (parent instanceof Unavailable) return parent;
    ptr = parent;
  }
}
