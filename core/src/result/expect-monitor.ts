/**
 * Assertions on the host monitor's readings of a cell: `r.expect.monitor.noStall(5)`,
 * `.maxDsqDepthBelow(8)`, scoped to a step with `r.expect.inStep('b').monitor`. They judge only
 * what the monitor read; a cell whose monitor did not run fails them with the reason, rather
 * than passing on no evidence.
 */
import type { SampleSeries } from '../monitor/temporal/sample-series.js';
import { monitorMetrics, DEFAULT_STALL_SAMPLES, FALLBACK_EVENT, KEEP_LAST_EVENT, type MonitorMetrics } from '../monitor/sampler/monitor-metrics.js';
import { describeStall, findStalls } from '../monitor/sampler/stall.js';

export class MonitorExpectation {
  constructor(
    private readonly scope: () => SampleSeries,
    private readonly fail: (problem: string) => never,
  ) {}

  private metrics(stallSamples = DEFAULT_STALL_SAMPLES): MonitorMetrics {
    const series = this.scope();
    const m = monitorMetrics(series.samples, stallSamples);
    if (!m) this.fail(`monitor: none of the ${series.length} readings in scope carried runqueue data`);
    return m;
  }

  /** No CPU with runnable tasks kept the same rq clock for `samples` consecutive periodic samples. */
  noStall(samples = DEFAULT_STALL_SAMPLES): this {
    const series = this.scope();
    this.metrics(samples);
    const stalls = findStalls(series.samples, samples);
    if (stalls.length > 0) {
      this.fail(`monitor: ${stalls.length} stall${stalls.length > 1 ? 's' : ''} of ${samples}+ samples: ${stalls.slice(0, 3).map(describeStall).join('; ')}${stalls.length > 3 ? '; ...' : ''}`);
    }
    return this;
  }

  /** Every CPU's local DSQ stayed below `n` tasks at every reading. */
  maxDsqDepthBelow(n: number): this {
    const m = this.metrics();
    if (m.maxDsqDepth >= n) this.fail(`monitor: local DSQ depth reached ${m.maxDsqDepth} >= ${n} (over ${m.samples} readings)`);
    return this;
  }

  /** At every reading, the longest and shortest runqueue (nr_running) differed by less than `n`. */
  rqImbalanceBelow(n: number): this {
    const m = this.metrics();
    if (m.maxRqImbalance >= n) this.fail(`monitor: runqueue lengths differed by ${m.maxRqImbalance} >= ${n} at one reading (over ${m.samples} readings)`);
    return this;
  }

  /** SCX_EV_SELECT_CPU_FALLBACK grew by less than `n` over the scope. */
  fallbackEventsBelow(n: number): this {
    return this.eventsBelow(FALLBACK_EVENT, (m) => m.fallbackEvents, n);
  }

  /** SCX_EV_DISPATCH_KEEP_LAST grew by less than `n` over the scope. */
  keepLastEventsBelow(n: number): this {
    return this.eventsBelow(KEEP_LAST_EVENT, (m) => m.keepLastEvents, n);
  }

  /** SCX_EV_SELECT_CPU_FALLBACK grew by less than `perSec` per second of elapsed time. */
  fallbackRateBelow(perSec: number): this {
    return this.eventsBelow(FALLBACK_EVENT, (m) => m.fallbackRatePerSec, perSec, ' per second');
  }

  /** SCX_EV_DISPATCH_KEEP_LAST grew by less than `perSec` per second of elapsed time. */
  keepLastRateBelow(perSec: number): this {
    return this.eventsBelow(KEEP_LAST_EVENT, (m) => m.keepLastRatePerSec, perSec, ' per second');
  }

  private eventsBelow(name: string, pick: (m: MonitorMetrics) => number | null, limit: number, unit = ''): this {
    const v = pick(this.metrics());
    // No counter read is no evidence: a kernel or run without sched_ext events must not pass.
    if (v === null) this.fail(`monitor: no reading carried ${name} (no BPF scheduler attached, or a kernel without the counter)`);
    if (v >= limit) this.fail(`monitor: ${name} grew ${Number(v.toPrecision(6))}${unit} >= ${limit}${unit}`);
    return this;
  }
}
