/**
 * The values a pattern judges, and the policy for samples without one. By default any
 * projection error fails the pattern with its cause: a missing reading is a coverage gap the
 * test should see. With `skipGaps`, samples that carry nothing (PlaceholderSample,
 * MissingSample, MissingStats) are left out and listed in a note; FieldNotFound and
 * TypeMismatch still fail, since they mean the path or the kernel is wrong, and skipping them
 * would turn a misspelt field into a series too short to judge, which passes.
 */
import { describeSample } from './sample.js';
import { describeProjectionError, isGap, type ProjectionError } from './projection-error.js';
import { typeName } from './field-path.js';
import type { SampleRef, SeriesPoint } from './series-column.js';

export interface PatternOptions {
  /** Leave out samples that carry no data instead of failing on them. */
  readonly skipGaps?: boolean;
}

export interface UsablePoint<T> {
  readonly sample: SampleRef;
  readonly value: T;
  /** Position in the column, so a pattern can tell that a skipped sample lay between two points. */
  readonly pos: number;
}

export type Usable<T> = { readonly ok: true; readonly points: UsablePoint<T>[]; readonly notes: string[] } | { readonly ok: false; readonly problem: string };

/** How a failure names a projection error: the sample, its elapsed time, then variant, path and cause. */
export function errorAt(sample: SampleRef, e: ProjectionError): string {
  return `${describeSample(sample)}: ${describeProjectionError(e)}`;
}

export function usablePoints<K extends 'number' | 'boolean'>(
  name: string,
  points: readonly (SeriesPoint & { pos?: number })[],
  expected: K,
  options: PatternOptions,
): Usable<K extends 'number' ? number : boolean> {
  type V = K extends 'number' ? number : boolean;
  const out: UsablePoint<V>[] = [];
  const skipped: string[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const pos = p.pos ?? i;
    if (!p.ok) {
      if (options.skipGaps && isGap(p.error)) {
        skipped.push(`${describeSample(p.sample)} (${p.error.kind})`);
        continue;
      }
      return { ok: false, problem: errorAt(p.sample, p.error) };
    }
    if (typeof p.value !== expected) {
      // The column holds numbers and booleans; a pattern for one meeting the other is a mismatch too.
      return { ok: false, problem: errorAt(p.sample, { kind: 'TypeMismatch', path: name, expected, found: `${typeName(p.value)} (${String(p.value)})` }) };
    }
    out.push({ sample: p.sample, value: p.value as V, pos });
  }
  const notes: string[] = [];
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 5).join(', ') + (skipped.length > 5 ? `, and ${skipped.length - 5} more` : '');
    notes.push(`skipped ${skipped.length} sample${skipped.length === 1 ? '' : 's'} without data: ${shown}`);
  }
  return { ok: true, points: out, notes };
}

/** The note a pattern that compares samples leaves when there are fewer than two to compare. */
export function tooShortNote(usable: number, total: number): string {
  return `only ${usable} usable sample${usable === 1 ? '' : 's'} of ${total}; nothing to compare, passes unjudged`;
}
