/**
 * Which cells form side A and side B of a comparison. Two runs give one side each; one pool of
 * runs (one run with several kernels, say) is split by per-side filters (`--a-kernel 7.2
 * --b-kernel 7.3`). Shared filters narrow both sides alike.
 */
import { KtstrError } from '../errors.js';
import type { StoredCell } from './stored-cell.js';

export interface CellFilter {
  kernel?: string | undefined;
  /** A scheduler name, or a prefix (>= 6 hex digits) of its binary's hash. */
  scheduler?: string | undefined;
  /** A regular expression over the cell's name. */
  filter?: string | undefined;
}

export interface SideOptions {
  shared: CellFilter;
  a: CellFilter;
  b: CellFilter;
}

/** `7.2` matches `7.2` and `7.2.13+deb14-cloud-amd64`, not `7.20`. */
export function kernelMatches(label: string, want: string): boolean {
  return label === want || (label.startsWith(want) && !/[0-9]/.test(label[want.length]!));
}

function schedulerMatches(c: StoredCell, want: string): boolean {
  return c.scheduler === want || (/^[0-9a-f]{6,}$/i.test(want) && (c.schedulerHash ?? '').startsWith(want.toLowerCase()));
}

function regex(source: string, field: string): RegExp {
  try {
    return new RegExp(source);
  } catch (e) {
    throw new KtstrError(field, source, `is not a regular expression (${(e as Error).message})`, 'E.g. --filter "^fairness/".');
  }
}

export function filterCells(cells: readonly StoredCell[], f: CellFilter, prefix = ''): StoredCell[] {
  const re = f.filter === undefined ? undefined : regex(f.filter, `--${prefix}filter`);
  return cells.filter((c) => (f.kernel === undefined || kernelMatches(c.kernel, f.kernel))
    && (f.scheduler === undefined || schedulerMatches(c, f.scheduler))
    && (re === undefined || re.test(c.name)));
}

const hasFilter = (f: CellFilter) => f.kernel !== undefined || f.scheduler !== undefined || f.filter !== undefined;

/**
 * `runs` are the cells of each run named on the command line, in order. Two runs without side
 * filters: A is the first, B the second. Otherwise all of them are one pool that the side
 * filters split; side filters on two runs narrow each run's side.
 */
export function selectSides(runs: readonly { id: string; cells: StoredCell[] }[], o: SideOptions): { a: StoredCell[]; b: StoredCell[] } {
  const sideFilters = hasFilter(o.a) || hasFilter(o.b);
  if (runs.length === 2) {
    return {
      a: filterCells(filterCells(runs[0]!.cells, o.shared), o.a, 'a-'),
      b: filterCells(filterCells(runs[1]!.cells, o.shared), o.b, 'b-'),
    };
  }
  if (!sideFilters) {
    throw new KtstrError('runs', runs.map((r) => r.id), `are ${runs.length} run(s) and no side is picked`,
      'Give two runs (A then B), or pick the sides from one pool with --a-kernel/--b-kernel or --a-scheduler/--b-scheduler.');
  }
  const pool = filterCells(runs.flatMap((r) => r.cells), o.shared);
  return { a: filterCells(pool, o.a, 'a-'), b: filterCells(pool, o.b, 'b-') };
}
