/**
 * One projected column of a sample series: per sample, either the value the path or function
 * found, or the typed reason there is none. The column keeps its series so a second column
 * (the denominator of ratioWithin) can be projected from the same samples.
 */
import type { Sample } from './sample.js';
import type { ProjectionError } from './projection-error.js';
import type { SampleSeries } from './sample-series.js';

export type SampleRef = Pick<Sample, 'index' | 'elapsedMs' | 'kind' | 'label'>;

export type SeriesPoint =
  | { readonly sample: SampleRef; readonly ok: true; readonly value: number | boolean }
  | { readonly sample: SampleRef; readonly ok: false; readonly error: ProjectionError };

export class SeriesColumn {
  constructor(
    /** The path, or the name given to a projection function: how messages name the column. */
    readonly name: string,
    readonly series: SampleSeries,
    readonly points: readonly SeriesPoint[],
  ) {}

  get length(): number {
    return this.points.length;
  }

  /** The values in order, undefined where a sample has none (for reports and debugging). */
  values(): (number | boolean | undefined)[] {
    return this.points.map((p) => (p.ok ? p.value : undefined));
  }
}
