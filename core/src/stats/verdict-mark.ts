/**
 * The words a comparison shows in a metric's verdict column. One function, so that the terminal
 * (`ktstr stats compare`) and the HTML report (report-model.ts) say the same thing of the same
 * row: they once drifted apart, the report calling "unchanged" what the terminal said was held
 * back as noise.
 */
import type { ComparedPair, MetricComparison } from './compare.js';

/** '' for a metric that is plainly unchanged: a renderer shows that its own way. */
export function verdictMark(m: MetricComparison, pair: Pick<ComparedPair, 'hostContention'>): string {
  switch (m.verdict) {
    case 'regressed': return 'REGRESSED';
    case 'improved': return 'improved';
    case 'coverage': return 'one side only';
    // A metric with thresholds that was not judged carries why (`note`); one without has none.
    case 'unjudged': return !pair.hostContention.judged && m.note ? 'host contention' : m.note ?? 'no thresholds';
    default: return m.withinNoise ? `within noise (p ${m.pValue!.toPrecision(2)})` : '';
  }
}
