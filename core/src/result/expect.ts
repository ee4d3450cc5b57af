/**
 * Assertions on a cell result, phrased in the domain: `r.expect.noStall().spreadBelow(0.25)`,
 * scoped with `.inCgroup('a')` and `.inStep('shuffle')`. Each failure names the cell, the step
 * and cgroup in scope, the worker that broke the bound, and the numbers on both sides.
 */
import type { CellResult } from './cell-result.js';
import { KtstrError } from '../errors.js';
import { type CpusetSpec, resolveCpuset } from '../scenario/cpuset.js';
import { isScenarioDoesNotFit, ScenarioDoesNotFitError, gateText } from '../scenario/does-not-fit.js';
import { topologyName } from '../scenario/topology-name.js';
import { cpusetLabel } from './cpuset-label.js';
import type { CgroupCpuset } from './step-cpusets.js';
import { computeMetrics, spreadOf, type CellMetrics, type WorkerResult, type WorkerSample } from './metrics.js';
import { SeriesExpectation } from '../monitor/temporal/series-expectation.js';
import type { Sample, SampleData } from '../monitor/temporal/sample.js';
import type { SampleSeries } from '../monitor/temporal/sample-series.js';
import { monitorScope } from './monitor-scope.js';
import { MonitorExpectation } from './expect-monitor.js';
import type { ResolvedThreshold, ThresholdKey } from '../api/thresholds.js';

export class ExpectationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpectationError';
  }
}

interface Scope {
  cgroup?: string;
  step?: string;
}

export class Expectation {
  constructor(private readonly r: CellResult, private readonly scope: Scope = {}) {}

  /** The same assertions, on the workers of `cgroup` only. */
  inCgroup(cgroup: string): Expectation {
    const known = new Set([...this.r.workers.map((w) => w.cgroup), ...Object.keys(this.r.cgroups ?? {})]);
    if (!known.has(cgroup)) this.fail(`no workers of cgroup ${cgroup} reported (cgroups: ${[...known].join(', ') || 'none'})`);
    return new Expectation(this.r, { ...this.scope, cgroup });
  }

  /** The same assertions, on what happened during step `name` only. */
  inStep(name: string): Expectation {
    if (!this.r.steps?.some((s) => s.name === name)) {
      this.fail(`step ${name} did not run (steps: ${(this.r.steps ?? []).map((s) => s.name).join(', ') || 'none'})`);
    }
    return new Expectation(this.r, { ...this.scope, step: name });
  }

  private where(): string {
    return [this.r.cell, this.scope.step !== undefined ? `step ${this.scope.step}` : '', this.scope.cgroup !== undefined ? `cgroup ${this.scope.cgroup}` : '']
      .filter(Boolean).join(': ');
  }

  private fail(problem: string): never {
    throw new ExpectationError(`${this.where()}: ${problem}`);
  }

  /** Final worker results in scope (the whole run; for per-step numbers see samples()). */
  private workers(): WorkerResult[] {
    return this.r.workers.filter((w) => this.scope.cgroup === undefined || w.cgroup === this.scope.cgroup);
  }

  /** Worker numbers in scope: each worker's share of the step, or its whole run. */
  private samples(): (WorkerSample & { pid?: number })[] {
    if (this.scope.step === undefined) return this.workers();
    const st = this.r.steps.find((s) => s.name === this.scope.step)!;
    const pids = new Map(this.r.workers.map((w) => [`${w.cgroup}/${w.index}`, w.pid]));
    return st.workers.filter((w) => this.scope.cgroup === undefined || w.cgroup === this.scope.cgroup)
      .map((w) => ({ ...w, pid: pids.get(`${w.cgroup}/${w.index}`) }));
  }

  private metrics(): CellMetrics {
    if (this.scope.step !== undefined) {
      const st = this.r.steps.find((s) => s.name === this.scope.step)!;
      return this.scope.cgroup === undefined ? st.metrics : (st.cgroups[this.scope.cgroup] ?? computeMetrics([]));
    }
    return this.scope.cgroup === undefined ? this.r.metrics : (this.r.cgroups[this.scope.cgroup]?.metrics ?? computeMetrics(this.workers()));
  }

  /** For numbers the guest reports only once per worker, at the end of the run. */
  private wholeRunOnly(what: string): void {
    if (this.scope.step !== undefined) this.fail(`${what} is reported per worker for the whole run, not per step; drop .inStep()`);
  }

  private who(w: { cgroup: string; index: number; pid?: number }): string {
    return `cgroup ${w.cgroup} worker ${w.index}${w.pid !== undefined ? ` (pid ${w.pid})` : ''}`;
  }

  /** The monitor's readings in scope (the step's, under inStep); fails when there are none. */
  private monitorSeries(): SampleSeries {
    // The monitor reads per CPU; which cgroup's task a CPU ran is not in a sample.
    if (this.scope.cgroup !== undefined) this.fail('the monitor\'s samples are per CPU, not per cgroup; drop .inCgroup()');
    const s = monitorScope(this.r, this.scope.step);
    if ('problem' in s) this.fail(s.problem);
    return s.series;
  }

  /**
   * Temporal assertions on one column of the monitor's readings, a path
   * (`series('cpus[0].nrRunning')`) or a projection (`series('runnable', { project: (d) => ... })`):
   * `.nondecreasing()`, `.rateWithin(lo, hi)`, `.steadyWithin(...)`... (docs/monitor.md). Under
   * inStep, only the readings taken during that step; `kind` keeps only periodic samples or only
   * captures (a capture is taken right after a sample, so a clock need not move between them).
   */
  series(path: string, options: { project?: (data: SampleData) => unknown; kind?: Sample['kind'] } = {}): SeriesExpectation {
    const all = this.monitorSeries();
    const series = options.kind ? all.ofKind(options.kind) : all;
    const column = options.project ? series.project(path, options.project) : series.field(path);
    return new SeriesExpectation(column, this.where(), (m) => {
      throw new ExpectationError(m);
    });
  }

  /** Assertions on what the host monitor saw: `r.expect.monitor.noStall(5).maxDsqDepthBelow(8)`. */
  get monitor(): MonitorExpectation {
    return new MonitorExpectation(() => this.monitorSeries(), (problem) => this.fail(problem));
  }

  /**
   * The bound declared for `key` (the test's, else its scheduler's); a bound-less assertion
   * without a declared one is the body's mistake, said with where to declare it.
   */
  private declared(key: ThresholdKey, assertion: string): number {
    const t = this.r.thresholds?.find((x) => x.key === key);
    if (!t) this.fail(`${assertion}() was called without a bound and no ${key} threshold is declared; pass one, or declare thresholds: { ${key}: ... } on the test or its scheduler`);
    return t.value;
  }

  /**
   * Every threshold declared with the scheduler and the test (api/thresholds.ts), each through its
   * assertion in this scope: `spread` → spreadBelow, `gapMs` → gapBelowMs, and so on. Fails when
   * none is declared, since then it would check nothing.
   */
  withinThresholds(): this {
    const all: readonly ResolvedThreshold[] = this.r.thresholds ?? [];
    if (all.length === 0) this.fail('withinThresholds() found no thresholds: declare thresholds: { ... } on the test or its scheduler');
    for (const t of all) {
      // Wake latency is per worker for the whole run; in a step scope it is left to the whole-run check.
      if (t.key === 'wakeLatencyUs' && this.scope.step !== undefined) continue;
      this[t.assertion](t.value);
    }
    return this;
  }

  /** The scheduler stayed attached and every worker in scope made progress. */
  noStall(): this {
    if (this.r.schedulerExit) this.fail(`scheduler exited during ${this.r.schedulerExit.phase}: ${this.r.schedulerExit.reason}`);
    const samples = this.samples();
    if (samples.length === 0) this.fail('no workers reported');
    const stuck = samples.filter((w) => w.iterations === 0);
    if (stuck.length > 0) this.fail(`no progress from ${stuck.map((w) => this.who(w)).join(', ')}`);
    return this;
  }

  /** Within every cgroup in scope, (max - min) / max of the workers' CPU time is below `limit`. */
  spreadBelow(limit: number = this.declared('spread', 'spreadBelow')): this {
    const groups = new Map<string, (WorkerSample & { pid?: number })[]>();
    for (const w of this.samples()) groups.set(w.cgroup, [...(groups.get(w.cgroup) ?? []), w]);
    for (const [name, ws] of groups) {
      const s = spreadOf(ws.map((w) => w.runNs));
      if (s >= limit) {
        const lo = ws.reduce((a, b) => (b.runNs < a.runNs ? b : a));
        const hi = ws.reduce((a, b) => (b.runNs > a.runNs ? b : a));
        this.fail(`cgroup ${name} CPU-time spread ${s.toFixed(3)} >= ${limit}: `
          + `${this.who(lo)} ran ${(lo.runNs / 1e6).toFixed(1)} ms, ${this.who(hi)} ran ${(hi.runNs / 1e6).toFixed(1)} ms`);
      }
    }
    return this;
  }

  /** No worker in scope went `ms` or longer between two iterations. */
  gapBelowMs(ms: number = this.declared('gapMs', 'gapBelowMs')): this {
    for (const w of this.samples()) {
      if (w.maxGapUs / 1000 >= ms) this.fail(`${this.who(w)} waited ${(w.maxGapUs / 1000).toFixed(1)} ms between iterations (limit ${ms} ms)`);
    }
    return this;
  }

  /** Total migrations in scope are below `n`. */
  migrationsBelow(n: number): this {
    const m = this.metrics().totalMigrations;
    if (m >= n) {
      const top = this.samples().reduce<WorkerSample & { pid?: number } | undefined>((a, b) => (!a || b.migrations > a.migrations ? b : a), undefined);
      this.fail(`${m} migrations >= ${n}${top ? ` (most: ${this.who(top)} with ${top.migrations})` : ''}`);
    }
    return this;
  }

  /** Total migrations in scope are at least `n` (for work that exists to migrate). */
  migrationsAtLeast(n: number): this {
    const m = this.metrics().totalMigrations;
    if (m < n) this.fail(`${m} migrations < ${n}`);
    return this;
  }

  /** No worker in scope migrated on `ratio` or more of its timeslices. */
  migrationRatioBelow(ratio: number = this.declared('migrationRatio', 'migrationRatioBelow')): this {
    for (const w of this.samples()) {
      const r = w.timeslices > 0 ? w.migrations / w.timeslices : 0;
      if (r >= ratio) this.fail(`${this.who(w)} migrated on ${r.toFixed(3)} of its timeslices (${w.migrations}/${w.timeslices}; limit ${ratio})`);
    }
    return this;
  }

  /** The worst p99 wake-to-run latency in scope is below `us` (whole run: the guest reports it per worker, not per step). */
  wakeLatencyBelowUs(us: number = this.declared('wakeLatencyUs', 'wakeLatencyBelowUs')): this {
    this.wholeRunOnly('wake latency');
    for (const w of this.workers()) {
      if (w.wakeLatencyUsP99 !== null && w.wakeLatencyUsP99 >= us) this.fail(`${this.who(w)} p99 wake latency ${w.wakeLatencyUsP99} us >= ${us} us`);
    }
    return this;
  }

  /** Mean run delay per timeslice in scope is below `us`. */
  runDelayBelowUs(us: number = this.declared('runDelayUs', 'runDelayBelowUs')): this {
    const d = this.metrics().meanRunDelayUs;
    if (d >= us) this.fail(`mean run delay ${d.toFixed(1)} us per timeslice >= ${us} us`);
    return this;
  }

  /** The most/least loaded CPU ratio in scope is below `ratio` (docs/metrics.md). */
  imbalanceBelow(ratio: number = this.declared('imbalanceRatio', 'imbalanceBelow')): this {
    const v = this.metrics().maxImbalanceRatio;
    if (v >= ratio) this.fail(`CPU load imbalance ${v.toFixed(2)} >= ${ratio}`);
    return this;
  }

  /** Total iterations in scope are at least `n`. */
  iterationsAtLeast(n: number): this {
    const t = this.metrics().totalIterations;
    if (t < n) this.fail(`total iterations ${t} < ${n}`);
    return this;
  }

  /** Every worker in scope made at least `n` iterations. */
  everyWorkerIterationsAtLeast(n: number): this {
    for (const w of this.samples()) if (w.iterations < n) this.fail(`${this.who(w)} made ${w.iterations} iterations < ${n}`);
    return this;
  }

  /** Minor page faults in scope (whole run) are at least `n`. */
  minorFaultsAtLeast(n: number): this {
    this.wholeRunOnly('page faults');
    const t = this.workers().reduce((s, w) => s + w.minflt, 0);
    if (t < n) this.fail(`${t} minor faults < ${n}`);
    return this;
  }

  /** Voluntary context switches in scope (whole run) are at least `n`. */
  voluntarySwitchesAtLeast(n: number): this {
    this.wholeRunOnly('context switches');
    const t = this.workers().reduce((s, w) => s + w.nvcsw, 0);
    if (t < n) this.fail(`${t} voluntary context switches < ${n}`);
    return this;
  }

  /**
   * Every worker in scope (or of `cgroup`) ran only on `cpus`: CPU numbers, or a cpuset spec
   * (`cpuset.llc(0)`, `cpuset.node(1)`, ...) resolved on this cell's topology, so one assertion
   * holds on every shape of the gauntlet. In a step, on the CPUs it was seen on within that
   * step (docs/metrics.md says where a step's CPUs begin and end).
   */
  ranOnlyOn(cpus: readonly number[] | CpusetSpec, cgroup?: string): this {
    const allowed = this.allowedCpus(cpus);
    for (const w of this.cpuSamples(cgroup)) this.checkCpus(w, allowed.cpus, allowed.label);
    return this;
  }

  /**
   * Every worker in scope (or of `cgroup`) ran only on its own cgroup's cpuset as the scenario
   * declared it, resolved on this cell's topology: the cpuset in force in each step (set, clear
   * and swap ops change it), or in the scoped step. Without a cgroup: every cgroup on its own.
   */
  ranOnlyOnItsCpuset(cgroup?: string): this {
    const table = this.r.cpusets;
    if (!table) {
      this.fail('this result carries no per-step cpusets (only results of vm.run and vm.runScenario do), so there is no cpuset to compare with; use ranOnlyOn(cpuset.llc(0), ...) instead');
    }
    const on = `on ${topologyName(this.r.topology)}`;
    const its = (c: CgroupCpuset) => `its cpuset ${c.spec} = CPUs ${c.cpus.join(',') || 'none'} ${on}`;
    const inStep = (step: string, name: string): CgroupCpuset => {
      const c = table.find((t) => t.step === step)?.cgroups[name];
      if (!c) this.fail(`cgroup ${name} reported workers in step ${step}, where the scenario has no such cgroup present`);
      return c;
    };
    if (this.scope.step !== undefined) {
      const step = this.scope.step;
      for (const w of this.cpuSamples(cgroup)) {
        const c = inStep(step, w.cgroup);
        this.checkCpus(w, c.cpus, its(c));
      }
      return this;
    }
    const perStep = this.r.steps.length > 0 && this.r.steps.every((s) => s.workers.every((w) => !w.cpusFromWholeRun));
    if (!perStep) {
      // An agent without per-step CPU lists: the whole run against every cpuset the cgroup had.
      for (const w of this.cpuSamples(cgroup)) {
        const had = table.map((t) => t.cgroups[w.cgroup]).filter((c): c is CgroupCpuset => c !== undefined);
        const cpus = [...new Set(had.flatMap((c) => c.cpus))].sort((a, b) => a - b);
        const spec = [...new Set(had.map((c) => c.spec))].join(' or ') || 'none';
        this.checkCpus(w, cpus, `the cpusets it had over the run, ${spec} = CPUs ${cpus.join(',') || 'none'} ${on}`);
      }
      return this;
    }
    let checked = 0;
    for (const s of this.r.steps) {
      for (const w of s.workers) {
        if ((cgroup !== undefined && w.cgroup !== cgroup) || (this.scope.cgroup !== undefined && w.cgroup !== this.scope.cgroup)) continue;
        const c = inStep(s.name, w.cgroup);
        const outside = w.cpus.filter((x) => !c.cpus.includes(x));
        if (outside.length > 0) this.fail(`in step ${s.name}, ${this.who({ ...w, pid: this.pidOf(w) })} ran on CPUs ${outside.join(',')} outside ${its(c)}`);
        checked++;
      }
    }
    if (checked === 0) this.fail(`no workers${cgroup !== undefined ? ` of cgroup ${cgroup}` : ''} reported to check CPUs of`);
    return this;
  }

  private pidOf(w: { cgroup: string; index: number }): number | undefined {
    return this.r.workers.find((x) => x.cgroup === w.cgroup && x.index === w.index)?.pid;
  }

  /** The workers ranOnlyOn* judge; nothing to check is not a pass. */
  private cpuSamples(cgroup: string | undefined): (WorkerSample & { pid?: number })[] {
    const ws = this.samples().filter((w) => cgroup === undefined || w.cgroup === cgroup);
    // A misspelt cgroup or a step its workers never reached would otherwise hide every placement bug.
    if (ws.length === 0) this.fail(`no workers${cgroup !== undefined ? ` of cgroup ${cgroup}` : ''} reported to check CPUs of`);
    return ws;
  }

  private checkCpus(w: WorkerSample & { pid?: number }, allowed: readonly number[], label: string): void {
    if (w.cpusFromWholeRun) this.fail(`${this.who(w)}: this step's report has no CPUs (an agent from before per-step CPU lists), so its whole-run CPUs cannot stand in; drop .inStep()`);
    const outside = w.cpus.filter((c) => !allowed.includes(c));
    if (outside.length > 0) this.fail(`${this.who(w)} ran on CPUs ${outside.join(',')} outside ${label}`);
  }

  /** CPU numbers as given, or a spec resolved on this cell's topology and shown with what it resolved to. */
  private allowedCpus(cpus: readonly number[] | CpusetSpec): { cpus: readonly number[]; label: string } {
    if (Array.isArray(cpus)) return { cpus, label: cpus.join(',') };
    const spec = cpus as CpusetSpec;
    const label = cpusetLabel(spec);
    const name = topologyName(this.r.topology);
    try {
      const resolved = resolveCpuset(spec, this.r.topology, `ranOnlyOn(${label})`);
      return { cpus: resolved, label: `${label} = CPUs ${resolved.join(',')} on ${name}` };
    } catch (e) {
      // An LLC or node this shape lacks: the test needs a gate, whatever the scheduler did.
      if (isScenarioDoesNotFit(e)) {
        throw new ScenarioDoesNotFitError(`${this.where()}: ranOnlyOn(${label})`, e.value, e.problem,
          `Gate the test with ${gateText(e.gate)} so the gauntlet leaves out shapes without it.`, e.gate, name);
      }
      if (e instanceof KtstrError) this.fail(`ranOnlyOn(${label}): ${e.message.replace(/^[^:]*: /, '')}`);
      throw e;
    }
  }
}
