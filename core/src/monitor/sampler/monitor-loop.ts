/**
 * The monitor's loop for one cell: from the scenario's start to its end, a periodic sample every
 * `intervalMs` of elapsed time, read from guest RAM without stopping the guest, and N captures
 * at planned points, each with the guest stopped (QMP stop, read, cont) so every field comes from
 * one instant. Elapsed time excludes the pauses (pause-clock.ts), so the cadence, the capture
 * plan and every rate are in guest time.
 *
 * A reading that fails never fails the cell: a sample becomes a placeholder with its error, and
 * the assertions on the series report the gap.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { KernelProgram } from '../program.js';
import type { Sample } from '../temporal/sample.js';
import { SampleSeries } from '../temporal/sample-series.js';
import type { SampleReader } from './sample-reader.js';
import type { MonitorSettings } from './options.js';
import { captureLabel, captureOffsetsMs } from './capture-window.js';
import { PauseClock } from './pause-clock.js';
import type { CaptureRecord, MonitorResult } from './monitor-result.js';
import { monitorMetrics } from './monitor-metrics.js';

/** What a capture needs of QMP (vm/qmp.ts's QmpClient). */
export interface GuestControl {
  execute(command: string): Promise<unknown>;
}

export interface MonitorLoopOptions {
  prog: KernelProgram;
  cpus: number;
  reader: SampleReader;
  settings: MonitorSettings;
  /** The workload's length (the scenario's holds), which the capture window is a fraction of. */
  workloadMs: number;
  /** Opens QMP for captures; only called when a capture is due. */
  control?: () => Promise<GuestControl>;
  now?: () => number;
}

export class MonitorLoop {
  private clock: PauseClock | undefined;
  private readonly samples: Sample[] = [];
  private readonly captures: CaptureRecord[] = [];
  private readonly hostMs: number[] = [];
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private scenarioStartTMs: number | null = null;
  private stopped = false;
  private failure: string | undefined;
  private readonly now: () => number;

  constructor(private readonly o: MonitorLoopOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  /** Elapsed 0 is now (host time `at`), which is guest time `guestTMs` on the timeline's axis. */
  start(guestTMs: number, at: number = this.now()): void {
    if (this.running || this.stopped) return;
    this.clock = new PauseClock(at, this.now);
    this.scenarioStartTMs = guestTMs;
    this.running = this.run().catch((e: Error) => {
      this.failure = `the monitor loop failed: ${e.message}`;
    });
  }

  get started(): boolean {
    return this.running !== undefined;
  }

  /** Ends the loop (an in-flight capture finishes and lets the guest run first) and returns what it read. */
  async stop(): Promise<MonitorResult> {
    this.stopped = true;
    this.abort.abort();
    await this.running;
    const series = new SampleSeries(this.samples);
    const metrics = monitorMetrics(series.samples);
    const mean = this.hostMs.length ? this.hostMs.reduce((a, b) => a + b, 0) / this.hostMs.length : 0;
    return {
      enabled: true,
      ...(this.failure ? { reason: this.failure } : this.running ? {} : { reason: 'the scenario never started (no step start message), so nothing was sampled' }),
      intervalMs: this.o.settings.intervalMs,
      series,
      sampleCount: this.samples.filter((s) => s.kind === 'sample').length,
      captureCount: this.samples.filter((s) => s.kind === 'capture').length,
      captures: this.captures,
      scenarioStartTMs: this.scenarioStartTMs,
      pausedMs: this.clock?.totalPausedMs ?? 0,
      sampleHostMs: this.hostMs.length ? { mean, max: Math.max(...this.hostMs) } : null,
      ...(metrics ? { metrics } : {}),
    };
  }

  private async run(): Promise<void> {
    const clock = this.clock!;
    const interval = this.o.settings.intervalMs;
    const planned = captureOffsetsMs(this.o.settings.numSnapshots, this.o.workloadMs);
    let nextSample = 0;
    let k = 0;
    while (!this.stopped) {
      const e = clock.elapsedMs();
      // A sample due with a capture goes first: the periodic cadence does not wait on QMP.
      if (k < planned.length && e >= planned[k]! && e < nextSample) {
        await this.capture(k, planned[k]!);
        k++;
        continue;
      }
      if (e >= nextSample) {
        this.sample();
        // A late tick (a busy host) is not made up with a burst: the next sample is on the grid
        // again, but at least half an interval on, so no rate is taken over a sliver of time.
        while (nextSample < e + interval / 2) nextSample += interval;
        continue;
      }
      const due = Math.min(nextSample, planned[k] ?? Infinity);
      try {
        await sleep(Math.max(0, clock.hostTimeAt(due) - this.now()), undefined, { signal: this.abort.signal });
      } catch {
        return; // stopped
      }
    }
  }

  private read(): Sample['data'] {
    try {
      return this.o.reader(this.o.prog, this.o.cpus);
    } catch (e) {
      return { error: `the read failed: ${(e as Error).message}` };
    }
  }

  private sample(): void {
    const t0 = this.now();
    const elapsedMs = this.clock!.elapsedMs(t0);
    const data = this.read();
    this.hostMs.push(this.now() - t0);
    this.samples.push({ index: this.samples.length, elapsedMs, kind: 'sample', data });
  }

  private async capture(k: number, plannedMs: number): Promise<void> {
    const clock = this.clock!;
    const label = captureLabel(k);
    const elapsedMs = clock.elapsedMs();
    const record: CaptureRecord = { label, plannedMs, elapsedMs, pauseMs: 0, stopMs: 0, readMs: 0, contMs: 0 };
    let data: Sample['data'];
    let control: GuestControl | undefined;
    try {
      control = await this.o.control?.();
      if (!control) throw new Error('no QMP connection to stop the guest with');
    } catch (e) {
      record.error = (e as Error).message;
      this.captures.push(record);
      this.samples.push({ index: this.samples.length, elapsedMs, kind: 'capture', label, data: { error: `the capture failed: ${record.error}` } });
      return;
    }
    clock.pause();
    const t0 = this.now();
    try {
      await control.execute('stop');
      const t1 = this.now();
      data = this.read();
      const t2 = this.now();
      record.stopMs = t1 - t0;
      record.readMs = t2 - t1;
    } catch (e) {
      record.error = (e as Error).message;
      data = { error: `the capture failed: ${record.error}` };
    } finally {
      const t3 = this.now();
      try {
        await control.execute('cont');
      } catch (e) {
        // A guest left stopped would read as a stall of every CPU; say so loudly.
        record.error = `${record.error ? `${record.error}; ` : ''}cont failed: ${(e as Error).message}`;
        this.failure = `capture ${label}: the guest could not be continued: ${(e as Error).message}`;
        this.stopped = true;
      }
      record.contMs = this.now() - t3;
      record.pauseMs = clock.resume();
    }
    this.captures.push(record);
    this.samples.push({ index: this.samples.length, elapsedMs, kind: 'capture', label, data });
  }
}
