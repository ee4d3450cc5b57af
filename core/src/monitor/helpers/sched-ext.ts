/**
 * sched_ext state read from the host: whether a BPF scheduler is enabled and which (scx_root ->
 * ops.name), its event counters, and its watchdog timeout (read and overridable).
 *
 * The layouts differ between kernels, and the choice is made from what the kernel's BTF has,
 * never from a version string (stable backports move fields between "versions"):
 * - event counters: `scx_sched.pcpu -> scx_sched_pcpu.event_stats` (6.18+, 6.17.7+), else
 *   `scx_sched.event_stats_cpu` (6.16–6.17), else none: counting is then disabled, with the reason
 *   logged once;
 * - watchdog timeout: `scx_sched.watchdog_timeout` (7.1+), else the `scx_watchdog_timeout` global.
 * scx_root is read again on every call: it changes whenever a scheduler loads or unloads.
 */
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import type { BtfComposite } from '../btf/kinds.js';
import { memberPath } from '../btf/member-path.js';
import type { KernelProgram } from '../program.js';
import { KObject } from '../object.js';
import { Unavailable } from '../unavailable.js';
import { nrCpuIds, perCpuAddress } from './percpu.js';

/** How this kernel keeps sched_ext event counters, chosen from its BTF. */
export type EventLayout =
  | { readonly kind: 'pcpu'; readonly path: 'scx_sched.pcpu->event_stats'; readonly statsOffset: number; readonly events: readonly EventField[] }
  | { readonly kind: 'event_stats_cpu'; readonly path: 'scx_sched.event_stats_cpu'; readonly statsOffset: 0; readonly events: readonly EventField[] }
  | { readonly kind: 'disabled'; readonly reason: string };

export interface EventField {
  /** The counter's name, as the kernel names it: SCX_EV_SELECT_CPU_FALLBACK, ... */
  readonly name: string;
  /** Byte offset in struct scx_event_stats. */
  readonly offset: number;
  readonly size: number;
}

const layouts = new WeakMap<Btf, EventLayout>();

export function eventLayout(btf: Btf): EventLayout {
  let layout = layouts.get(btf);
  if (layout === undefined) layouts.set(btf, (layout = chooseEventLayout(btf)));
  return layout;
}

function chooseEventLayout(btf: Btf): EventLayout {
  const sched = btf.lookup('scx_sched', 'STRUCT');
  if (!sched.found) return { kind: 'disabled', reason: 'the kernel has no struct scx_sched (no sched_ext, or one older than 6.16)' };
  const stats = btf.lookup('scx_event_stats', 'STRUCT');
  if (!stats.found) return { kind: 'disabled', reason: 'the kernel has no struct scx_event_stats' };
  const events = (stats.type as BtfComposite).members.flatMap((m): EventField[] => {
    const size = btf.sizeOf(m.type);
    return m.name === '' || size instanceof BtfError || m.bitfieldSize > 0 ? [] : [{ name: m.name, offset: m.bitsOffset / 8, size }];
  });
  const has = (path: string) => {
    const r = memberPath(btf, sched.type.id, path);
    return !(r instanceof BtfError) && r.found;
  };
  if (has('pcpu')) {
    const pcpu = btf.lookup('scx_sched_pcpu', 'STRUCT');
    const at = pcpu.found ? memberPath(btf, pcpu.type.id, 'event_stats') : undefined;
    if (at !== undefined && !(at instanceof BtfError) && at.found) {
      return { kind: 'pcpu', path: 'scx_sched.pcpu->event_stats', statsOffset: at.offsetBits / 8, events };
    }
  }
  if (has('event_stats_cpu')) return { kind: 'event_stats_cpu', path: 'scx_sched.event_stats_cpu', statsOffset: 0, events };
  return { kind: 'disabled', reason: 'struct scx_sched has neither pcpu -> scx_sched_pcpu.event_stats nor event_stats_cpu' };
}

const logged = new Set<string>();

/** Says why event counting is off, once per reason per process. */
function logOnce(reason: string, log: (line: string) => void): void {
  if (logged.has(reason)) return;
  logged.add(reason);
  log(`ktstr monitor: sched_ext event counters not sampled: ${reason}\n`);
}

export interface SchedExtEvents {
  layout: 'pcpu' | 'event_stats_cpu';
  /** Sum over CPUs, per counter. */
  totals: Record<string, bigint>;
  /** Per CPU (index = CPU id), per counter; a CPU whose counters could not be read is Unavailable. */
  perCpu: (Record<string, bigint> | Unavailable)[];
}

export interface SchedExtState {
  /** The enable state's enumerator name (SCX_ENABLED, SCX_DISABLED, ...). */
  state: string | Unavailable;
  /** Its value. */
  stateValue: number | Unavailable;
  /** The loaded scheduler's ops.name; null when no scheduler is attached (scx_root is NULL). */
  opsName: string | null | Unavailable;
  /** Event counters; null when no scheduler is attached; Unavailable when the kernel has none. */
  events: SchedExtEvents | null | Unavailable;
}

export interface SchedExtOptions {
  /** Where the once-per-reason "sampling disabled" line goes (stderr by default). */
  log?: (line: string) => void;
}

/** The running scheduler's struct scx_sched, or null when none is attached. */
export function scxRoot(prog: KernelProgram): KObject | null | Unavailable {
  const root = prog.object('scx_root', 'struct scx_sched *');
  if (root instanceof Unavailable) return root;
  const p = root.read();
  if (p instanceof Unavailable) return p;
  return p === 0n ? null : root.deref();
}

/** The enable state: scx_enable_state_var (6.15+; atomic_t) or scx_ops_enable_state_var before. */
function enableState(prog: KernelProgram): { state: string | Unavailable; value: number | Unavailable } {
  const candidates: [string, string][] = [
    ['scx_enable_state_var', 'enum scx_enable_state'],
    ['scx_ops_enable_state_var', 'enum scx_ops_enable_state'],
  ];
  const found = candidates.find(([sym]) => prog.symbols.has(sym));
  if (found === undefined) {
    const u = new Unavailable('the kernel has neither scx_enable_state_var nor scx_ops_enable_state_var');
    return { state: u, value: u };
  }
  const [sym, enumType] = found;
  const v = prog.object(sym, 'atomic_t');
  const raw = v instanceof Unavailable ? v : v.readMember('counter');
  const value = typeof raw === 'bigint' ? Number(raw) : raw;
  if (value instanceof Unavailable) return { state: value, value };
  const asEnum = prog.objectAt((v as KObject).address, enumType, sym);
  const name = asEnum instanceof Unavailable ? asEnum : asEnum.enumName();
  return { state: name, value };
}

export function readSchedExtState(prog: KernelProgram, options: SchedExtOptions = {}): SchedExtState {
  const { state, value } = enableState(prog);
  const root = scxRoot(prog);
  if (root === null || root instanceof Unavailable) return { state, stateValue: value, opsName: root, events: root };
  const name = root.member('ops.name');
  return { state, stateValue: value, opsName: name instanceof Unavailable ? name : name.readString(), events: readEvents(prog, root, options) };
}

/** Every CPU's event counters of scheduler `sched`, and their sums. */
export function readEvents(prog: KernelProgram, sched: KObject, options: SchedExtOptions = {}): SchedExtEvents | Unavailable {
  const layout = eventLayout(sched.btf);
  if (layout.kind === 'disabled') {
    logOnce(layout.reason, options.log ?? ((l) => process.stderr.write(l)));
    return new Unavailable(`sched_ext event counters: ${layout.reason}`);
  }
  const base = sched.readMember(layout.kind === 'pcpu' ? 'pcpu' : 'event_stats_cpu');
  if (base instanceof Unavailable) return base;
  if (base === 0n) return new Unavailable(`${sched.expression}.${layout.kind === 'pcpu' ? 'pcpu' : 'event_stats_cpu'} is NULL (the scheduler is being set up or torn down)`);
  const n = nrCpuIds(prog.translator, prog.symbols);
  if (n instanceof Unavailable) return n;
  const totals: Record<string, bigint> = Object.fromEntries(layout.events.map((e) => [e.name, 0n]));
  const perCpu: (Record<string, bigint> | Unavailable)[] = [];
  const statsSize = Math.max(0, ...layout.events.map((e) => e.offset + e.size));
  for (let cpu = 0; cpu < n; cpu++) {
    const at = perCpuAddress(prog.translator, prog.symbols, base as bigint, cpu);
    const bytes = at instanceof Unavailable ? at : prog.readBytes(at + BigInt(layout.statsOffset), statsSize);
    if (bytes instanceof Unavailable) {
      perCpu.push(bytes);
      continue;
    }
    const row: Record<string, bigint> = {};
    for (const e of layout.events) {
      // s64 counters; a narrower one (none today) is read at its own width.
      const v = e.size === 8 ? bytes.readBigInt64LE(e.offset) : BigInt(bytes.readIntLE(e.offset, Math.min(e.size, 6)));
      row[e.name] = v;
      totals[e.name]! += v;
    }
    perCpu.push(row);
  }
  return { layout: layout.kind, totals, perCpu };
}

/** Where this kernel keeps the watchdog timeout, chosen from its BTF. */
export type WatchdogSource = 'scx_sched.watchdog_timeout' | 'scx_watchdog_timeout';

export function watchdogSource(btf: Btf): WatchdogSource | Unavailable {
  const sched = btf.lookup('scx_sched', 'STRUCT');
  if (sched.found) {
    const r = memberPath(btf, sched.type.id, 'watchdog_timeout');
    if (!(r instanceof BtfError) && r.found) return 'scx_sched.watchdog_timeout';
  }
  return 'scx_watchdog_timeout';
}

/** The watchdog timeout as an object (unsigned long, in jiffies). */
export function watchdogTimeout(prog: KernelProgram): { source: WatchdogSource; object: KObject } | Unavailable {
  if (prog.btf === undefined) return new Unavailable('the program has no BTF');
  const source = watchdogSource(prog.btf);
  if (source instanceof Unavailable) return source;
  if (source === 'scx_sched.watchdog_timeout') {
    const root = scxRoot(prog);
    if (root === null) return new Unavailable('no sched_ext scheduler is attached: scx_root is NULL, and this kernel keeps the watchdog timeout in it');
    if (root instanceof Unavailable) return root;
    const o = root.member('watchdog_timeout');
    return o instanceof Unavailable ? o : { source, object: o };
  }
  if (!prog.symbols.has('scx_watchdog_timeout')) return new Unavailable('struct scx_sched has no watchdog_timeout and the kernel has no scx_watchdog_timeout symbol');
  const o = prog.object('scx_watchdog_timeout', 'long unsigned int');
  return o instanceof Unavailable ? o : { source, object: o };
}

/** The watchdog timeout in jiffies, and where it was read. */
export function readWatchdogTimeout(prog: KernelProgram): { source: WatchdogSource; jiffies: bigint } | Unavailable {
  const w = watchdogTimeout(prog);
  if (w instanceof Unavailable) return w;
  const v = w.object.read();
  return v instanceof Unavailable ? v : { source: w.source, jiffies: BigInt(v) };
}

/**
 * Overrides the watchdog timeout (jiffies) from the host: the program's memory must be mapped
 * writable. The kernel's watchdog reads the value each time it checks, so a shorter timeout
 * fires a stall sooner without the scheduler knowing.
 */
export function writeWatchdogTimeout(prog: KernelProgram, jiffies: bigint): { source: WatchdogSource } | Unavailable {
  const w = watchdogTimeout(prog);
  if (w instanceof Unavailable) return w;
  const r = w.object.write(jiffies);
  return r instanceof Unavailable ? r : { source: w.source };
}
