/**
 * Every BPF map of the scheduler, decoded with its own BTF from the powered-off guest's memory,
 * for a failure dump. The guest agent keeps a reference to each map from the scheduler's attach
 * until the guest powers off (native/guest/bpf_maps.h), so the maps are still in map_idr with
 * their values as the scheduler last left them: at its exit, or when the agent stopped it after
 * the scenario. The reads go through the monitor's BpfState (core/src/monitor/bpf/), the same
 * decoding `r.monitor` and tests use. Big maps are bounded: an array lists its non-zero elements
 * up to a limit, a hash its first entries, and each says what it left out.
 */
import { performance } from 'node:perf_hooks';
import type { Btf } from '../monitor/btf/btf.js';
import { BpfState } from '../monitor/bpf/bpf-state.js';
import type { CastAnalysis } from '../monitor/cast/analyze.js';
import type { BpfMapInfo } from '../monitor/bpf/maps.js';
import type { KernelProgram } from '../monitor/program.js';
import { Unavailable } from '../monitor/unavailable.js';
import { jsonValue, type JsonValue } from './json-value.js';

export interface MapDump {
  id: number;
  name: string;
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: string[];
  /** A global-data map (.bss, .data, .rodata, ...): its variables by name. */
  globals?: Record<string, JsonValue>;
  /** An ARRAY or PERCPU_ARRAY: its non-zero elements (per CPU: one value per CPU). */
  elements?: { index: number; value: JsonValue }[];
  /** A HASH or LRU_HASH: its entries, key and value decoded. */
  entries?: { key: JsonValue; value: JsonValue }[];
  /** What was left out (elements past the limit, all-zero elements, a hash walk cut short). */
  omitted?: string;
  /** Why the contents are not here (a map type that is not decoded, a read that failed). */
  unavailable?: string;
}

export interface MapsSnapshot {
  /** When the maps were read, in words: after the guest powered off, at the scheduler's exit or stop. */
  readAt: string;
  maps: MapDump[];
  /** Maps that were listed but could not be read. */
  unreadable: string[];
  /** Host ms the reading took (BTF from guest memory, every map's values). */
  readMs: number;
}

export interface MapLimits {
  /** Array elements shown per map (non-zero ones). */
  arrayElements: number;
  /** Hash entries shown per map. */
  hashEntries: number;
}

export const DEFAULT_MAP_LIMITS: MapLimits = { arrayElements: 64, hashEntries: 256 };

/** Element scans stop here whatever max_entries says: a 1M-slot array is scanned only this far. */
const MAX_SCAN = 4096;

/**
 * `casts`: the cast analyses of the scheduler's BPF objects (schedulerCasts); u64 fields they
 * prove to hold kernel pointers are drawn chased, by the monitor's own map rendering.
 */
export function readSchedulerMaps(program: KernelProgram, vmlinux: Btf, readAt: string, options: { limits?: MapLimits; casts?: readonly CastAnalysis[] } = {}): MapsSnapshot | Unavailable {
  const limits = options.limits ?? DEFAULT_MAP_LIMITS;
  const t0 = performance.now();
  const bpf = BpfState.open(program, vmlinux, options.casts?.length ? { casts: options.casts } : {});
  if (bpf instanceof Unavailable) return bpf;
  const listed = bpf.maps();
  if (listed instanceof Unavailable) return listed;
  const maps: MapDump[] = [];
  const unreadable: string[] = [];
  for (const m of listed) {
    if (m instanceof Unavailable) unreadable.push(m.unavailable);
    else maps.push(dumpMap(bpf, m, limits));
  }
  return { readAt, maps: maps.sort((a, b) => a.id - b.id), unreadable, readMs: Math.round((performance.now() - t0) * 10) / 10 };
}

function dumpMap(bpf: BpfState, m: BpfMapInfo, limits: MapLimits): MapDump {
  const base: MapDump = {
    id: m.id, name: m.name, type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, flags: [...m.flagNames],
  };
  try {
    if (m.type === 'array' && m.maxEntries === 1 && isDataSection(m.name)) {
      const g = bpf.globals(m);
      if (g instanceof Unavailable) return { ...base, unavailable: g.unavailable };
      return { ...base, globals: jsonValue(g) as Record<string, JsonValue> };
    }
    if (m.type === 'array' || m.type === 'percpu_array') return { ...base, ...arrayElements(bpf, m, limits.arrayElements) };
    if (m.type === 'hash' || m.type === 'lru_hash') {
      const walk = bpf.hashEntries(m, { limit: limits.hashEntries });
      if (walk instanceof Unavailable) return { ...base, unavailable: walk.unavailable };
      return {
        ...base, entries: walk.entries.map((e) => ({ key: jsonValue(e.key), value: jsonValue(e.value) })),
        ...(walk.truncated ? { omitted: walk.truncated } : {}),
      };
    }
    return { ...base, unavailable: `the contents of a ${m.type} map are not decoded` };
  } catch (e) {
    // A torn structure in a dead guest must not cost the rest of the dump.
    return { ...base, unavailable: `reading it failed: ${(e as Error).message}` };
  }
}

/** libbpf names global-data maps `<object>.bss`, `.data`, `.rodata` and custom `.data.NAME` sections. */
function isDataSection(name: string): boolean {
  return /\.(bss|data|rodata|kconfig)(\.|$)/.test(name);
}

function arrayElements(bpf: BpfState, m: BpfMapInfo, limit: number): Pick<MapDump, 'elements' | 'omitted' | 'unavailable'> {
  const elements: { index: number; value: JsonValue }[] = [];
  const scan = Math.min(m.maxEntries, MAX_SCAN);
  let zero = 0;
  let past = 0;
  for (let i = 0; i < scan; i++) {
    const bytes = bpf.arrayBytes(m, i);
    if (bytes instanceof Unavailable) return elements.length ? { elements, omitted: `element ${i}: ${bytes.unavailable}` } : { unavailable: bytes.unavailable };
    const all = Array.isArray(bytes) ? bytes : [bytes as Buffer];
    if (all.every((b) => b.every((x) => x === 0))) {
      zero++;
      continue;
    }
    if (elements.length >= limit) {
      past++;
      continue;
    }
    elements.push({ index: i, value: jsonValue(bpf.arrayValue(m, i)) });
  }
  const notes = [
    zero ? `${zero} all-zero element(s)` : '',
    past ? `${past} more non-zero element(s) past the first ${limit}` : '',
    m.maxEntries > scan ? `elements ${scan}..${m.maxEntries - 1} not scanned` : '',
  ].filter(Boolean);
  return { elements, ...(notes.length ? { omitted: notes.join('; ') } : {}) };
}
