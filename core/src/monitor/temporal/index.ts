/** Temporal assertions over the monitor's sample series (docs/monitor.md). */
export { isPlaceholder, describeSample, type Sample, type SampleData, type PlaceholderData } from './sample.js';
export { describeProjectionError, GAP_KINDS, type ProjectionError, type ProjectionErrorKind } from './projection-error.js';
export { parsePath } from './field-path.js';
export { SampleSeries } from './sample-series.js';
export { SeriesColumn, type SeriesPoint, type SampleRef } from './series-column.js';
export { describeVerdict, type Verdict } from './verdict.js';
export type { PatternOptions } from './usable-points.js';
export { nondecreasing, strictlyIncreasing } from './monotonic.js';
export { rateWithin } from './rate.js';
export { steadyWithin } from './steady.js';
export { convergesTo } from './converges.js';
export { alwaysTrue } from './always-true.js';
export { ratioWithin } from './ratio.js';
export { SeriesExpectation } from './series-expectation.js';
