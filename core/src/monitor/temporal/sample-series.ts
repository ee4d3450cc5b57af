/**
 * The monitor's readings of one cell in time order, and their projection to per-sample columns
 * (`series.field('events.SCX_EV_SELECT_CPU_FALLBACK')`) that temporal assertions judge.
 */
import { isPlaceholder, type Sample, type SampleData } from './sample.js';
import { parsePath, resolvePath, toColumnValue, typeName } from './field-path.js';
import { SeriesColumn, type SampleRef, type SeriesPoint } from './series-column.js';
import type { ProjectionError } from './projection-error.js';

export class SampleSeries {
  /** Ordered by elapsed time; periodic samples and captures interleave where they were taken. */
  readonly samples: readonly Sample[];

  constructor(samples: readonly Sample[]) {
    for (const s of samples) {
      if (!Number.isFinite(s.elapsedMs) || s.elapsedMs < 0) {
        throw new TypeError(`${s.kind} ${s.index}: elapsedMs must be a finite number >= 0, got ${s.elapsedMs}`);
      }
    }
    // Periodic samples and captures come from two streams; a stable sort merges them without
    // reordering readings that share a millisecond.
    this.samples = [...samples].sort((a, b) => a.elapsedMs - b.elapsedMs);
  }

  get length(): number {
    return this.samples.length;
  }

  /** Only periodic samples, or only captures (captures are consistent snapshots; samples are denser). */
  ofKind(kind: Sample['kind']): SampleSeries {
    return new SampleSeries(this.samples.filter((s) => s.kind === kind));
  }

  /** The value at a dotted path (`cpus.0.nrRunning`, `cpus[0].nrRunning`) in every sample. */
  field(path: string): SeriesColumn {
    const segments = parsePath(path);
    return this.column(path, (data) => {
      const r = resolvePath(data, segments, path);
      return 'kind' in r ? r : toColumnValue(r.value, path);
    });
  }

  /**
   * A derived value per sample, e.g. the sum of nrRunning over CPUs. The function sees only
   * real data (placeholders and empty samples are reported before it runs); returning
   * undefined or throwing reads as FieldNotFound, returning null as MissingStats.
   */
  project(name: string, fn: (data: SampleData) => unknown): SeriesColumn {
    return this.column(name, (data) => {
      let v: unknown;
      try {
        v = fn(data);
      } catch (e) {
        return { kind: 'FieldNotFound', path: name, at: name, detail: `the projection threw: ${e instanceof Error ? e.message : String(e)}` };
      }
      if (v === null) return { kind: 'MissingStats', path: name, at: name };
      if (v === undefined) return { kind: 'FieldNotFound', path: name, at: name, detail: `the projection returned ${typeName(v)}` };
      return toColumnValue(v, name);
    });
  }

  private column(name: string, read: (data: SampleData) => { value: number | boolean } | ProjectionError): SeriesColumn {
    const points = this.samples.map((s): SeriesPoint => {
      const sample: SampleRef = { index: s.index, elapsedMs: s.elapsedMs, kind: s.kind, ...(s.label !== undefined ? { label: s.label } : {}) };
      if (s.data === null || s.data === undefined) return { sample, ok: false, error: { kind: 'MissingSample', path: name } };
      if (isPlaceholder(s.data)) return { sample, ok: false, error: { kind: 'PlaceholderSample', path: name, reason: s.data.error } };
      const r = read(s.data);
      return 'kind' in r ? { sample, ok: false, error: r } : { sample, ok: true, value: r.value };
    });
    return new SeriesColumn(name, this, points);
  }
}
