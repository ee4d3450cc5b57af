/**
 * Assertions on a cell result, phrased in the domain. Each failure says which cgroup and
 * worker broke the bound and by how much.
 */
import type { CellResult } from './cell-result.js';
import { spreadOf, type WorkerResult } from './metrics.js';

export class ExpectationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpectationError';
  }
}

const who = (w: WorkerResult) => `cgroup ${w.cgroup} worker ${w.index} (pid ${w.pid})`;

export class Expectation {
  constructor(private readonly r: CellResult) {}

  /** The scheduler stayed attached and every worker made progress. */
  noStall(): this {
    if (this.r.schedulerExit) {
      throw new ExpectationError(`${this.r.cell}: scheduler exited during ${this.r.schedulerExit.phase}: ${this.r.schedulerExit.reason}`);
    }
    const stuck = this.r.workers.filter((w) => w.iterations === 0);
    if (stuck.length > 0) throw new ExpectationError(`${this.r.cell}: no progress from ${stuck.map(who).join(', ')}`);
    return this;
  }

  /** Within every cgroup, (max - min) / max of the workers' CPU time is below `limit`. */
  spreadBelow(limit: number): this {
    const groups = new Map<string, WorkerResult[]>();
    for (const w of this.r.workers) groups.set(w.cgroup, [...(groups.get(w.cgroup) ?? []), w]);
    for (const [name, ws] of groups) {
      const s = spreadOf(ws.map((w) => w.runNs));
      if (s >= limit) {
        const lo = ws.reduce((a, b) => (b.runNs < a.runNs ? b : a));
        const hi = ws.reduce((a, b) => (b.runNs > a.runNs ? b : a));
        throw new ExpectationError(`${this.r.cell}: cgroup ${name} CPU-time spread ${s.toFixed(3)} >= ${limit}: `
          + `${who(lo)} ran ${(lo.runNs / 1e6).toFixed(1)} ms, ${who(hi)} ran ${(hi.runNs / 1e6).toFixed(1)} ms`);
      }
    }
    return this;
  }

  /** No worker went longer than `ms` between two iterations. */
  gapBelowMs(ms: number): this {
    for (const w of this.r.workers) {
      if (w.maxGapUs / 1000 >= ms) {
        throw new ExpectationError(`${this.r.cell}: ${who(w)} waited ${(w.maxGapUs / 1000).toFixed(1)} ms between iterations (limit ${ms} ms)`);
      }
    }
    return this;
  }

  /** Every worker of `cgroup` (default: all) ran only on `cpus`. */
  ranOnlyOn(cpus: readonly number[], cgroup?: string): this {
    for (const w of this.r.workers) {
      if (cgroup !== undefined && w.cgroup !== cgroup) continue;
      const outside = w.cpus.filter((c) => !cpus.includes(c));
      if (outside.length > 0) throw new ExpectationError(`${this.r.cell}: ${who(w)} ran on CPUs ${outside.join(',')} outside ${cpus.join(',')}`);
    }
    return this;
  }

  /** Total iterations across workers are at least `n`. */
  iterationsAtLeast(n: number): this {
    if (this.r.metrics.totalIterations < n) {
      throw new ExpectationError(`${this.r.cell}: total iterations ${this.r.metrics.totalIterations} < ${n}`);
    }
    return this;
  }
}
