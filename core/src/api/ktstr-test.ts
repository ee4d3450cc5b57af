/**
 * `ktstrTest(name, options, body)`: declares a test. It becomes one node:test test named
 * `name` with one subtest per cell, `name/preset/kernel`. The body runs on the host with a
 * booted VM; it sends a scenario with `vm.run(...)` and asserts on the result.
 *
 * Which cells: under `ktstr test` the CLI plans the run (gauntlet, budget, shard, jobs) and
 * hands each test process its cells in KTSTR_PLAN. Under a plain `node --test` the test plans
 * itself with the same planner: its home cell on the kernel from KTSTR_KERNEL (or the cache),
 * every passing preset with KTSTR_GAUNTLET=1, the shape KTSTR_TOPOLOGY names, or a budget
 * with KTSTR_BUDGET_SECS. See docs/gauntlet.md.
 */
import { test, type TestContext } from 'node:test';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { getAffinity } from '@ktstr/native';
import { KtstrError } from '../errors.js';
import type { SchedulerDecl } from './declare-scheduler.js';
import { type Topology, topologyLabel, validateTopology } from '../topology/topology.js';
import { TestVm } from '../runner/test-vm.js';
import { type ResolvedKernel, resolveKernel } from '../kernel/resolve.js';
import { QEMU_BINARY } from '../vm/qemu-backend.js';
import { type Accel, chooseAccel } from '../vm/accel.js';
import { checkGates, GATE_FIELDS, type PerfModeOptions, type TestGates } from '../gauntlet/gates.js';
import { budgetFromEnv, type DeclaredTest, type PlanEntry, planRun } from '../gauntlet/plan.js';
import { discoveryMode, recordBody, recordDeclaration, recordOptions } from '../gauntlet/registry.js';
import { currentJobPlan } from '../gauntlet/plan-file.js';
import { exitWhenOrphaned } from '../gauntlet/orphan-watch.js';
import { readDurations, recordDuration } from '../gauntlet/durations.js';
import { readHostTopology } from '../host/host-topology.js';
import { noPerfModeFromEnv } from '../host/capability.js';
import { pinToCpuBudget } from '../host/process-pinning.js';
import { recordThrowSite } from '../coverage/throw-sites.js';
import { appendCellEvent, type CellRecord } from '../stats/run-results.js';
import { cellMetricsRecord } from '../stats/cell-metrics-record.js';
import { cellExtrasOf, writeCellExtras } from '../stats/cell-detail.js';
import { schedulerIdentity } from '../stats/scheduler-identity.js';
import { cellNameOfEntry } from '../gauntlet/replicas.js';
import { resolveSchedulerBinary } from './declare-scheduler.js';
import { fixtureDir } from '../fixture.js';
import { captureOutput } from '../runner/output-capture.js';
import { failureReport, writeFailureFile } from '../runner/failure-report.js';
import { collectFailureDump } from '../failure-dump/collect.js';
import { writeFailureDump } from '../failure-dump/write.js';
import { bugSummaryLine } from '../failure-dump/render.js';
import { withAutoRepro } from '../failure-dump/auto-repro-section.js';
import type { FailureDump } from '../failure-dump/failure-dump.js';
import { isScenarioDoesNotFit } from '../scenario/does-not-fit.js';
import { hostArch } from '../host/arch.js';
import { type GuestArch, parseGuestArch } from '../vm/guest-arch.js';
import { checkConfigPairing } from './config-pairing.js';
import { monitorSettings, type MonitorOptions } from '../monitor/sampler/options.js';
import { autoReproForFailure, checkAutoRepro, summarize as summarizeAutoRepro } from '../repro/cell-auto-repro.js';
import { type AssertThresholds, resolveAssertThresholds, validateThresholds } from './thresholds.js';

export interface KtstrTestOptions extends TestGates, PerfModeOptions, MonitorOptions {
  /** Omit to run under the kernel's default scheduler (EEVDF). */
  scheduler?: SchedulerDecl;
  /**
   * The guest architectures the test runs on (`'aarch64'`, or a list); default every one. A run
   * of another architecture (`ktstr test --arch ...`) shows its cells as skipped, with why.
   */
  arch?: GuestArch | readonly GuestArch[];
  /**
   * Pins the test to this one topology: no preset expansion. Without it the test's home is the
   * scheduler's topology, and `--gauntlet` expands it over every preset passing its gates.
   */
  topology?: Topology;
  /** What `hold.fraction(1)` means, in ms. */
  durationMs?: number;
  /** Appended to the scheduler's own schedArgs for this test. */
  extraSchedArgs?: string[];
  memoryMiB?: number;
  /** Per-cell time limit of the node:test subtest. */
  timeoutMs?: number;
  /** The config file content for a scheduler declared with configFile (JSON, or a string as is). */
  config?: unknown;
  /**
   * Load the scheduler for real in every cell, never from a post-attach snapshot (a test that
   * measures the load itself, or the scheduler's state right after it). docs/snapshots.md.
   */
  freshAttach?: boolean;
  /**
   * Bounds for this test's assertions, over its scheduler's own `thresholds` key by key: checked
   * by `r.expect.withinThresholds()` or an assertion called without its bound.
   */
  thresholds?: AssertThresholds;
  /**
   * On a scheduler crash, rerun the cell with BPF probes on the crash's call chain and attach what
   * they saw to the failed result (docs/debugging.md, "Auto-repro"). On by default; false turns it off.
   */
  autoRepro?: boolean;
}

/** The body gets a VM that boots when it first runs something, after validating it. */
export type KtstrTestBody = (vm: TestVm) => Promise<void>;

/** The home of a test without scheduler topology or gates: the `tiny-2llc` preset's shape. */
export const DEFAULT_TOPOLOGY: Topology = { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 };
const DEFAULT_DURATION_MS = 2000;

/** To stderr, and to the run's event file, where `ktstr test` shows it despite node's reporter. */
const log = (line: string) => {
  process.stderr.write(`ktstr: ${line}\n`);
  appendCellEvent(process.env.KTSTR_RESULTS, { event: 'log', message: line, pid: process.pid });
};

let accelSaid = false;
/**
 * The acceleration of this process's VMs, said once with why: what `ktstr test` says once per
 * run, for a test file run by a plain `node --test`, where TCG makes every cell much slower.
 */
function accelSaidOnce(): Accel {
  const c = chooseAccel(QEMU_BINARY);
  if (!accelSaid) log(`acceleration ${c.accel} (${c.reason})`);
  accelSaid = true;
  return c.accel;
}

let kernelOnce: Promise<ResolvedKernel> | undefined;
function sharedKernel(): Promise<ResolvedKernel> {
  kernelOnce ??= resolveKernel(process.env.KTSTR_KERNEL, log);
  return kernelOnce;
}

/** Why this machine cannot run VM cells at all, or undefined when it can. */
export function vmUnavailableReason(): string | undefined {
  const r = spawnSync(QEMU_BINARY, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return `${QEMU_BINARY} is not runnable here (${r.error?.message ?? r.stderr.trim()}); run \`npx ktstr setup\` (in a clone of ktstr: npm run bootstrap)`;
  return undefined;
}

/** The declaration the planner sees; validates everything a declaration can get wrong. */
export function declareTest(name: string, options: KtstrTestOptions): DeclaredTest {
  const where = `ktstrTest(${JSON.stringify(name)})`;
  if (typeof name !== 'string' || name.trim() === '' || name.includes('\n')) {
    throw new KtstrError(`${where}.name`, name, 'must be a non-empty single-line string', 'Name the test in a few words.');
  }
  const durationMs = options.durationMs ?? DEFAULT_DURATION_MS;
  if (!Number.isInteger(durationMs) || durationMs <= 0) {
    throw new KtstrError(`${where}.durationMs`, durationMs, 'must be a whole number of ms > 0', 'E.g. durationMs: 2000.');
  }
  const arches = declaredArches(options.arch, where);
  // Gates are checked against the presets of an architecture the test runs on.
  checkGates(options, where, !arches || arches.includes(hostArch()) ? hostArch() : arches[0]!);
  checkConfigPairing(options.scheduler, options.config, where);
  monitorSettings(options, where);
  checkAutoRepro(options.autoRepro, where);
  if (options.thresholds !== undefined) validateThresholds(options.thresholds, where);
  const topology = options.topology ? validateTopology(options.topology, `${where}.topology`) : undefined;
  const scheduler = options.scheduler ? { name: options.scheduler.name, topology: options.scheduler.topology ?? DEFAULT_TOPOLOGY } : undefined;
  return {
    name,
    durationMs,
    ...(scheduler ? { scheduler } : { scheduler: { name: 'eevdf', topology: DEFAULT_TOPOLOGY } }),
    ...(topology ? { topology } : {}),
    ...(arches ? { arches } : {}),
    ...gateFields(options),
    ...(options.performanceMode !== undefined ? { performanceMode: options.performanceMode } : {}),
    ...(options.noPerfMode !== undefined ? { noPerfMode: options.noPerfMode } : {}),
  };
}

function declaredArches(value: unknown, where: string): GuestArch[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((a) => typeof a === 'string')) {
    throw new KtstrError(`${where}.arch`, value, 'must be an architecture or a non-empty list of them', "E.g. arch: 'aarch64' or arch: ['x86_64', 'aarch64'].");
  }
  return [...new Set(list.map((a: string) => parseGuestArch(a, `${where}.arch`)))];
}

function gateFields(o: TestGates): TestGates {
  const out: TestGates = {};
  for (const k of GATE_FIELDS) {
    if (o[k] !== undefined) (out as Record<string, unknown>)[k] = o[k];
  }
  return out;
}

export function ktstrTest(name: string, options: KtstrTestOptions, body: KtstrTestBody): void {
  if (typeof body !== 'function') {
    throw new KtstrError(`ktstrTest(${JSON.stringify(name)}).body`, body, 'is not a function', 'Pass async (vm) => { ... } as the third argument.');
  }
  const decl = declareTest(name, options ?? {});
  if (discoveryMode()) {
    recordDeclaration(decl);
    recordBody(name, body);
    recordOptions(name, options ?? {});
    return;
  }
  const job = currentJobPlan();
  if (job) {
    const entries = job.entries.filter((e) => e.test === name);
    if (entries.length === 0) return; // this test has no cells in this job
    exitWhenOrphaned(log);
    test(name, async (t) => {
      // Reserved here, outside the cells' time limits: waiting for another run's CPUs is not slowness.
      if (entries.some((e) => e.status === 'run')) await pinToCpuBudget(log);
      for (const e of entries) await runEntry(t, e, job.kernels[e.kernel]!, options, body);
    });
    return;
  }
  const unavailable = vmUnavailableReason();
  test(name, { skip: unavailable ?? false }, async (t) => {
    const kernel = await sharedKernel();
    const plan = planRun([decl], {
      kernels: [kernel.label],
      arch: hostArch(),
      topology: process.env.KTSTR_TOPOLOGY || undefined,
      gauntlet: process.env.KTSTR_GAUNTLET === '1',
      budgetSecs: budgetFromEnv(undefined),
      durations: readDurations(),
      host: { topology: readHostTopology('/sys', getAffinity(0)), accel: accelSaidOnce() },
      noPerfModeEnv: noPerfModeFromEnv(),
    });
    if (plan.entries.some((e) => e.status === 'run')) await pinToCpuBudget(log);
    for (const e of plan.entries) {
      if (e.status !== 'left-out') await runEntry(t, e, kernel, options, body);
    }
  });
}

async function runEntry(t: TestContext, entry: PlanEntry, kernel: ResolvedKernel, options: KtstrTestOptions, body: KtstrTestBody): Promise<void> {
  const results = process.env.KTSTR_RESULTS;
  const record = (status: CellRecord['status'], durationMs: number, reason?: string, more: Partial<CellRecord> = {}) => appendCellEvent(results, {
    event: 'end',
    name: entry.name, test: entry.test, preset: entry.preset, kernel: entry.kernel, scheduler: entry.scheduler,
    topology: topologyLabel(entry.topology), status, durationMs,
    ...(reason ? { reason } : {}), ...(entry.shard ? { shard: entry.shard } : {}),
    finishedAt: new Date().toISOString(),
    ...(entry.replica ? { replica: entry.replica } : {}),
    ...schedulerFields(options),
    ...more,
  });
  // Durations are per cell: every replica estimates the next run of the same cell.
  const durationKey = cellNameOfEntry(entry);
  if (entry.status === 'skip') {
    record('skipped', 0, entry.reason);
    await t.test(entry.name, { skip: entry.reason }, () => {});
    return;
  }
  await t.test(entry.name, { timeout: options.timeoutMs ?? entry.durationMs + 300_000 }, async () => {
    appendCellEvent(results, { event: 'start', name: entry.name, at: new Date().toISOString(), pid: process.pid });
    const started = performance.now();
    const output = captureOutput();
    let vm: TestVm | undefined;
    let dump: FailureDump | undefined;
    // What the record says beyond pass/fail: the body's output, the metrics and where the time went.
    const measured = (ms: number): Partial<CellRecord> => {
      const out = output.stop();
      const booted = vm?.vm;
      return {
        ...(out ? { output: out } : {}),
        ...(vm?.lastResult ? { metrics: cellMetricsRecord(vm.lastResult) } : {}),
        ...(booted ? { timing: { bootMs: Math.round(booted.bootMs), bootedHow: booted.bootedHow, scenarioMs: Math.round(vm?.scenarioMs ?? 0), totalMs: ms } } : {}),
      };
    };
    try {
      vm = new TestVm({
        name: entry.name,
        kernel,
        topology: entry.topology,
        scheduler: options.scheduler,
        extraSchedArgs: options.extraSchedArgs,
        durationMs: entry.durationMs,
        memoryMiB: options.memoryMiB,
        config: options.config,
        freshAttach: options.freshAttach,
        // On unless the test says monitor: false; settings were checked when it was declared.
        monitor: monitorSettings(options, `ktstrTest(${JSON.stringify(entry.test)})`),
        // A first run of a kernel captures its symbols for the monitor: `ktstr test` shows the line and its cost.
        log,
      }, resolveAssertThresholds(options.scheduler?.thresholds, options.thresholds));
      try {
        await body(vm);
      } catch (e) {
        // Before the VM goes: the scheduler's maps are read from the powered-off guest's memory.
        const cellVm = vm.vm;
        try {
          // A scenario that does not fit the topology is the test's mistake, not the scheduler's.
          if (!isScenarioDoesNotFit(e)) dump = collectFailureDump(entry.name, e, { cellVm, lastResult: vm.lastResult });
        } catch (d) {
          log(`${entry.name}: the failure dump could not be made: ${(d as Error).message}`);
        }
        throw e;
      } finally {
        await vm.destroy();
      }
    } catch (e) {
      const ms = Math.round(performance.now() - started);
      recordThrowSite(e); // under `ktstr coverage`: the lines after it in the body did not run
      const more = measured(ms);
      // A crash is rerun with probes on its call chain; its time is its own, not the cell's (ms).
      const repro = await autoReproForFailure(e, {
        enabled: options.autoRepro, vm, body, log,
        remainingMs: (options.timeoutMs ?? entry.durationMs + 300_000) - (performance.now() - started),
      });
      if (repro) more.autoRepro = summarizeAutoRepro(repro);
      if (dump && repro) dump = withAutoRepro(dump, repro);
      const report = failureReport(e, entry.name);
      // KTSTR_LOGS_DIR: where `ktstr test` keeps a run's logs (moved into the stored run when it
      // ends); beside the results file when run without it.
      const logsDir = process.env.KTSTR_LOGS_DIR || (results ? dirname(results) : undefined);
      const detailFile = writeFailureFile(logsDir, entry.name, report, more.output ?? '');
      // Beside the detail file (the CLI and the editor read it from there while the run goes) and
      // into the stored run's directory.
      const [dumpFile] = dump ? writeFailureDump([logsDir ? join(logsDir, 'cells') : undefined, process.env.KTSTR_CELL_DETAILS], dump) : [];
      if (vm?.lastResult) writeCellExtras(process.env.KTSTR_CELL_DETAILS, entry.name, cellExtrasOf(vm.lastResult));
      record('failed', ms, report.reason, {
        detail: report.detail, ...(detailFile ? { detailFile } : {}),
        ...(dump ? { bugSummary: bugSummaryLine(dump).replace(/^BUG SUMMARY: /, '') } : {}), ...(dumpFile ? { failureDump: dumpFile } : {}), ...(report.kind ? { kind: report.kind, gate: report.gate } : {}), ...more });
      await recordDuration(durationKey, ms).catch(() => {});
      throw e;
    }
    const ms = Math.round(performance.now() - started);
    if (vm?.lastResult) writeCellExtras(process.env.KTSTR_CELL_DETAILS, entry.name, cellExtrasOf(vm.lastResult));
    record('passed', ms, undefined, measured(ms));
    await recordDuration(durationKey, ms).catch((e: Error) => log(`could not record the duration of ${entry.name}: ${e.message}`));
  });
}

/**
 * The scheduler as a run store tells builds apart: its binary's hash and its arguments. A binary
 * that cannot be found leaves the hash out; the cell itself fails and says why.
 */
function schedulerFields(options: KtstrTestOptions): { schedulerHash?: string; schedulerArgs: string[] } {
  const args = [...(options.scheduler?.schedArgs ?? []), ...(options.extraSchedArgs ?? [])];
  if (!options.scheduler) return { schedulerArgs: args };
  let binary: string | undefined;
  try {
    binary = resolveSchedulerBinary(options.scheduler, [fixtureDir()]);
  } catch {
    binary = undefined;
  }
  const id = schedulerIdentity(binary, args);
  return { ...(id.schedulerHash ? { schedulerHash: id.schedulerHash } : {}), schedulerArgs: id.schedulerArgs };
}
