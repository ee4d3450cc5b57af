/**
 * Dotted paths into a sample's data: `events.SCX_EV_SELECT_CPU_FALLBACK`, `cpus.2.nrRunning`,
 * `cpus[2].scx.nr_running`. An index is written either way so a path copied from a JSON dump
 * or from JavaScript both work.
 */
import type { ProjectionError } from './projection-error.js';

export type PathSegment = string | number;

export function parsePath(path: string): PathSegment[] {
  if (path.trim() === '') throw new TypeError('field path is empty; name a field such as events.SCX_EV_SELECT_CPU_FALLBACK');
  const segments: PathSegment[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m || (m[1] === '' && m[2] === '')) throw new TypeError(`field path ${path}: cannot read segment "${part}"; write keys separated by dots and indices as .2 or [2]`);
    const key = m[1]!;
    if (key !== '') segments.push(/^\d+$/.test(key) ? Number(key) : key);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) segments.push(Number(idx[1]));
  }
  return segments;
}

function render(segments: readonly PathSegment[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i > 0 ? '.' : ''}${s}`)).join('') || '(root)';
}

/**
 * The value at `segments`, or why there is none. A null on the way means the monitor recorded
 * that part as unread (MissingStats); an absent key means the path is wrong (FieldNotFound).
 */
export function resolvePath(data: unknown, segments: readonly PathSegment[], path: string): { value: unknown } | ProjectionError {
  let cur: unknown = data;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const at = render(segments.slice(0, i));
    if (cur === null) return { kind: 'MissingStats', path, at };
    if (typeof seg === 'number') {
      if (!Array.isArray(cur)) return { kind: 'FieldNotFound', path, at, detail: `${at} is ${typeName(cur)}, not an array to index with [${seg}]` };
      if (seg >= cur.length) return { kind: 'FieldNotFound', path, at, detail: `${at} has ${cur.length} entries, no [${seg}]` };
      cur = cur[seg];
    } else {
      if (typeof cur !== 'object' || cur === undefined || Array.isArray(cur)) {
        return { kind: 'FieldNotFound', path, at, detail: `${at} is ${typeName(cur)}, not a record with key ${seg}` };
      }
      if (!Object.hasOwn(cur, seg)) {
        const keys = Object.keys(cur);
        const shown = keys.slice(0, 8).join(', ') + (keys.length > 8 ? `, ... (${keys.length} keys)` : '');
        return { kind: 'FieldNotFound', path, at, detail: `${at} has no key ${seg} (keys: ${shown || 'none'})` };
      }
      cur = (cur as Record<string, unknown>)[seg];
    }
  }
  if (cur === null) return { kind: 'MissingStats', path, at: render(segments) };
  if (cur === undefined) return { kind: 'FieldNotFound', path, at: render(segments), detail: `${render(segments)} is undefined` };
  return { value: cur };
}

/**
 * A number or boolean a pattern can compare, or a TypeMismatch. NaN and infinities are
 * mismatches: a NaN compares false with everything, so it would pass any bound silently.
 * A bigint (a u64 counter) is taken while exactly representable.
 */
export function toColumnValue(v: unknown, path: string): { value: number | boolean } | ProjectionError {
  if (typeof v === 'boolean') return { value: v };
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return { value: v };
    return { kind: 'TypeMismatch', path, expected: 'number or boolean', found: `the non-finite number ${v}` };
  }
  if (typeof v === 'bigint') {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return { value: n };
    return { kind: 'TypeMismatch', path, expected: 'number or boolean', found: `the bigint ${v}, beyond exact numbers (2^53)` };
  }
  return { kind: 'TypeMismatch', path, expected: 'number or boolean', found: typeName(v) };
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (${v.length} entries)`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'object') return 'a record';
  return typeof v === 'undefined' ? 'undefined' : `a ${typeof v}`;
}
