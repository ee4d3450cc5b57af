/**
 * The probe loader's output (native/probe/ktstr_probe.c), found in the rerun scheduler's output
 * and turned into the report's sites and calls: which sites attached (and why not), the trigger,
 * and each recorded call with its arguments decoded by the sites' BTF types.
 */
import type { Btf } from '../monitor/btf/btf.js';
import { BtfError } from '../monitor/btf/btf-error.js';
import { decodeValue } from '../monitor/bpf/decode.js';
import { Unavailable } from '../monitor/unavailable.js';
import type { AutoReproReport, ReproArg, ReproCall, ReproSite } from './auto-repro-report.js';
import type { ProbeSite } from './probe-sites.js';

interface RawCall {
  site: number;
  ts: number | string;
  cpu: number;
  pid: number;
  comm: string;
  args: string[];
  reads: (string | null)[];
}

interface RawTrigger {
  fired_ns: number | string;
  fired_cpu: number;
  fired_kind: number;
  fired_by: number;
}

export interface ProbeOutput {
  /** Loader index -> attached, or why not. */
  readonly attach: ReadonlyMap<number, { attached: true } | { attached: false; why: string }>;
  readonly trigger?: RawTrigger;
  readonly calls: readonly RawCall[];
  /** The report block was there (the trigger fired and the loader printed it). */
  readonly reported: boolean;
  /** Lines of the loader that are neither attach lines nor the report (errors, notes). */
  readonly notes: readonly string[];
}

const PREFIX = 'ktstr-probe: ';

export function parseProbeOutput(output: string): ProbeOutput {
  const attach = new Map<number, { attached: true } | { attached: false; why: string }>();
  const calls: RawCall[] = [];
  const notes: string[] = [];
  let trigger: RawTrigger | undefined;
  let inReport = false;
  let reported = false;
  for (const line of output.replace(/\r\n/g, '\n').split('\n')) {
    if (line === `${PREFIX}report-begin`) {
      inReport = true;
      continue;
    }
    if (line === `${PREFIX}report-end`) {
      inReport = false;
      reported = true;
      continue;
    }
    if (inReport) {
      let v: unknown;
      try {
        v = JSON.parse(line, (_k, x) => x);
      } catch {
        continue; // the scheduler's own lines can interleave with the block
      }
      if (v !== null && typeof v === 'object' && 'fired_ns' in v) trigger = v as RawTrigger;
      else if (v !== null && typeof v === 'object' && 'site' in v) calls.push(v as RawCall);
      continue;
    }
    if (!line.startsWith(PREFIX)) continue;
    const m = /^ktstr-probe: site (\d+) [ko]:\S+ (attached|not attached: (.*))/.exec(line);
    if (m) attach.set(Number(m[1]), m[2] === 'attached' ? { attached: true } : { attached: false, why: m[3]! });
    else notes.push(line.slice(PREFIX.length));
  }
  return { attach, calls, notes, reported, ...(trigger ? { trigger } : {}) };
}

/** The report's sites and time-ordered calls from the loader's output, for `sites` as sent (skipped ones included). */
export function decodeProbeOutput(vmlinux: Btf, sites: readonly ProbeSite[], out: ProbeOutput): Pick<AutoReproReport, 'sites' | 'calls' | 'trigger'> {
  // The loader numbers only the sites it was given: the probed ones, in order.
  const probed = sites.filter((s) => s.skip === undefined);
  const firedNs = out.trigger ? BigInt(out.trigger.fired_ns) : undefined;
  const calls: ReproCall[] = out.calls
    .filter((c) => probed[c.site] !== undefined)
    .map((c) => decodeCall(vmlinux, probed[c.site]!, c, firedNs))
    .sort((a, b) => (BigInt(a.tNs) < BigInt(b.tNs) ? -1 : BigInt(a.tNs) > BigInt(b.tNs) ? 1 : 0));
  const reportSites: ReproSite[] = sites.map((s) => {
    const index = probed.indexOf(s);
    const state = index < 0 ? undefined : out.attach.get(index);
    const why = s.skip ?? (state === undefined ? 'the loader did not report this site (it stopped before attaching it)' : state.attached ? undefined : state.why);
    return {
      name: s.site.name,
      kind: s.site.kind,
      ...(s.site.kind === 'struct_ops' && s.site.opsMember ? { opsMember: s.site.opsMember } : {}),
      frame: s.site.frame,
      attached: state?.attached === true,
      ...(why ? { why } : {}),
      calls: calls.filter((c) => c.site === s.site.name),
    };
  });
  const trigger = out.trigger && out.trigger.fired_by !== 0
    ? { by: out.trigger.fired_by === 1 ? 'scx_vexit' as const : 'sched_ext_dump' as const, kind: out.trigger.fired_kind, cpu: out.trigger.fired_cpu }
    : undefined;
  return { sites: reportSites, calls, ...(trigger ? { trigger } : {}) };
}

function decodeCall(btf: Btf, site: ProbeSite, raw: RawCall, firedNs: bigint | undefined): ReproCall {
  const ts = BigInt(raw.ts);
  const args: ReproArg[] = site.params.map((p, i) => {
    const value = BigInt(`0x${raw.args[i] ?? '0'}`);
    const decoded = p.type === 0 ? undefined : scalar(btf, p.type, value);
    const reads = site.reads.map((r, k) => ({ r, bytes: raw.reads[k] ?? null })).filter((x) => x.r.arg === i);
    const fields = reads.length === 0 ? undefined : Object.fromEntries(reads.map(({ r, bytes }) => [r.field, bytes === null ? null : field(btf, r.type, Buffer.from(bytes, 'hex'))]));
    return {
      name: p.name, type: p.typeName, value: `0x${value.toString(16)}`,
      ...(decoded !== undefined ? { decoded } : {}),
      ...(fields ? { fields } : {}),
    };
  });
  return {
    site: site.site.name,
    tNs: ts.toString(),
    beforeExitMs: firedNs === undefined ? 0 : Number(firedNs - ts) / 1e6,
    cpu: raw.cpu, pid: raw.pid, comm: raw.comm,
    args,
  };
}

/** An integer, bool or enum argument decoded from its 64-bit slot; undefined for pointers and the rest. */
function scalar(btf: Btf, type: number, value: bigint): number | string | boolean | undefined {
  const t = btf.resolve(type);
  if (t instanceof BtfError || !(t.kind === 'INT' || t.kind === 'ENUM' || t.kind === 'ENUM64')) return undefined;
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(value);
  const v = decodeValue(btf, type, b);
  return typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString()) : (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : undefined);
}

function field(btf: Btf, type: number, bytes: Buffer): number | string | boolean | null {
  const v = decodeValue(btf, type, bytes);
  if (v instanceof Unavailable || v === null) return null;
  if (typeof v === 'bigint') return v.toString();
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : null;
}
