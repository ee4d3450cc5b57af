/**
 * The sites of a call chain typed with the kernel's BTF, and the probe loader's `--site`
 * arguments for them. A kernel function's parameters come from its FUNC prototype; a scheduler
 * callback's from the sched_ext_ops member it implements (its struct_ops context holds exactly
 * those arguments). For a parameter that points at a struct the host knows how to summarise (a
 * task's pid and comm, a runqueue's cpu), the probe also reads those fields in the guest at the
 * moment of the call; the offsets are the kernel's, from the same BTF.
 */
import type { Btf } from '../monitor/btf/btf.js';
import { BtfError } from '../monitor/btf/btf-error.js';
import { memberPath } from '../monitor/btf/member-path.js';
import { typeName } from '../monitor/object.js';
import type { ChainSite } from './call-chain.js';

/** Mirrored by native/probe/ktstr_probe.bpf.c. */
export const PROBE_LIMITS = { sites: 16, args: 6, reads: 4, readBytes: 16, opsSlots: 4 } as const;

/** The fields worth reading behind a pointer argument, by struct name. Each fits in one 16-byte read. */
export const SUMMARY_FIELDS: Readonly<Record<string, readonly string[]>> = {
  task_struct: ['pid', 'comm'],
  rq: ['cpu', 'nr_running'],
  cgroup: ['level'],
  scx_exit_info: ['kind'],
};

export interface ProbeParam {
  readonly name: string;
  /** BTF type id in the kernel's BTF; 0 when the function has no prototype. */
  readonly type: number;
  readonly typeName: string;
}

export interface ProbeRead {
  /** Which parameter, and the field behind it. */
  readonly arg: number;
  readonly field: string;
  readonly offset: number;
  /** The field's BTF type (decoded from the 16 bytes read). */
  readonly type: number;
}

export interface ProbeSite {
  readonly site: ChainSite;
  readonly params: readonly ProbeParam[];
  readonly reads: readonly ProbeRead[];
  /** Set when the site is on the chain but will not be probed. */
  readonly skip?: string;
}

/** Types each site of `sites` (in order) and decides what to read; sites past the loader's limits are kept with the reason. */
export function typeSites(vmlinux: Btf, sites: readonly ChainSite[]): ProbeSite[] {
  let ops = 0;
  return sites.map((site, index): ProbeSite => {
    if (index >= PROBE_LIMITS.sites) return { site, params: [], reads: [], skip: `only ${PROBE_LIMITS.sites} sites are probed` };
    if (site.kind === 'struct_ops' && ops++ >= PROBE_LIMITS.opsSlots) return { site, params: [], reads: [], skip: `only ${PROBE_LIMITS.opsSlots} callbacks are probed` };
    const proto = site.kind === 'kernel' ? functionProto(vmlinux, site.name) : opsMemberProto(vmlinux, site.opsMember);
    if (typeof proto === 'string') {
      if (site.kind === 'struct_ops') return { site, params: [], reads: [], skip: proto };
      // A kernel function without a prototype (a compiler clone like foo.constprop.0): the
      // registers are recorded, but nothing says what they hold.
      return { site, params: Array.from({ length: PROBE_LIMITS.args }, (_, i) => ({ name: `arg${i}`, type: 0, typeName: 'unknown' })), reads: [] };
    }
    const params = proto.slice(0, PROBE_LIMITS.args);
    const reads: ProbeRead[] = [];
    params.forEach((p, arg) => {
      const struct = pointedStruct(vmlinux, p.type);
      if (struct === undefined) return;
      for (const field of SUMMARY_FIELDS[struct.name] ?? []) {
        if (reads.length >= PROBE_LIMITS.reads) return;
        const m = memberPath(vmlinux, struct.id, field);
        if (m instanceof BtfError || !m.found || m.bitfield || m.offsetBits % 8 !== 0) continue;
        const size = vmlinux.sizeOf(m.type);
        if (size instanceof BtfError || size > PROBE_LIMITS.readBytes) continue;
        reads.push({ arg, field, offset: m.offsetBits / 8, type: m.type });
      }
    });
    return { site, params, reads };
  });
}

/** The probe loader's arguments: one `--site` per probed site, numbered in order. */
export function probeSiteArgs(sites: readonly ProbeSite[]): string[] {
  return sites.filter((s) => s.skip === undefined).flatMap((s) => {
    const kind = s.site.kind === 'kernel' ? 'k' : 'o';
    const reads = s.reads.map((r) => `${r.arg}.${r.offset}`);
    return ['--site', [kind, s.site.name, String(s.params.length), ...reads].join(':')];
  });
}

function functionProto(btf: Btf, name: string): ProbeParam[] | string {
  const id = btf.find(name, 'FUNC')[0];
  if (id === undefined) return `no BTF prototype for ${name}`;
  const fn = btf.type(id);
  if (fn instanceof BtfError || fn.kind !== 'FUNC') return `no BTF prototype for ${name}`;
  return protoParams(btf, fn.type, name);
}

function opsMemberProto(btf: Btf, member: string | undefined): ProbeParam[] | string {
  if (member === undefined) return 'the chain does not say which sched_ext_ops member the program implements';
  const ops = btf.lookup('sched_ext_ops', 'STRUCT');
  if (!ops.found || (ops.type.kind !== 'STRUCT')) return 'no struct sched_ext_ops in the kernel\'s BTF';
  const m = ops.type.members.find((x) => x.name === member);
  if (m === undefined) return `struct sched_ext_ops has no member ${member}`;
  const ptr = btf.resolve(m.type);
  if (ptr instanceof BtfError || ptr.kind !== 'PTR') return `sched_ext_ops.${member} is not a function pointer`;
  return protoParams(btf, ptr.type, `sched_ext_ops.${member}`);
}

function protoParams(btf: Btf, protoId: number, what: string): ProbeParam[] | string {
  const proto = btf.resolve(protoId);
  if (proto instanceof BtfError || proto.kind !== 'FUNC_PROTO') return `${what} has no function prototype in BTF`;
  return proto.params
    .filter((p) => !(p.type === 0 && p.name === '')) // the variadic marker
    .map((p, i) => ({ name: p.name || `arg${i}`, type: p.type, typeName: typeName(btf, p.type) }));
}

function pointedStruct(btf: Btf, id: number): { id: number; name: string } | undefined {
  const p = btf.resolve(id);
  if (p instanceof BtfError || p.kind !== 'PTR') return undefined;
  const s = btf.resolve(p.type);
  if (s instanceof BtfError || s.kind !== 'STRUCT' || s.name === '') return undefined;
  // A FWD resolves to nothing useful; find the definition by name.
  return { id: s.id, name: s.name };
}
