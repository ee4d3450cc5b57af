/**
 * `ktstr test [paths...]`: plans a run over the test files (discovery, gauntlet expansion,
 * budget, host checks, shard) with @ktstr/core's planner, then runs the cells through Node's
 * own test runner, one process per job, each handed its cells in a plan file. Every cell is a
 * node:test subtest `test/preset/kernel`, so node's reporters and exit codes apply.
 */
import type { Sade } from 'sade';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getAffinity } from '@ktstr/native';
import {
  KtstrError, accelFor, budgetFromEnv, discoverTests, parseGuestArch, findCachedKernel, hostArch, jobEntries, noPerfModeFromEnv,
  parseShard, parseTopologyArg, planRun, projectCommit, readCellEvents, readDurations, readHostTopology, resolveCpuCap, resolveKernel,
  reapStaleVmFiles, resultsFromEvents, runsDirFrom, newRunId, startRun, storeRun, topologyLabel, unfinishedCells, notStartedCells, endedAbnormally, howTestProcessEnded, withReplicas, writeJobPlan, type GuestArch, type PlanEntry, type ResolvedKernel, type RunPlan, type RunResults,
} from '@ktstr/core';
import { action, printJson, progress } from '../output.js';
import { GauntletProgress, failedTable, skippedSummary } from '../progress.js';
import { doesNotFit, doesNotFitSummary } from '../not-fit-summary.js';
import { runScenarioCommand } from './test-scenario.js';
import { DEFAULT_TEST_DIRS, testFilesUnder } from '../test-files.js';
import { loadFailureHint } from '../load-failure.js';
import { aarch64FixtureScheduler, ensureFixtureForRun } from '@ktstr/core/setup';

export interface TestFlags {
  kernel?: string | string[];
  /** The guest architecture (x86_64 or aarch64); default the host's. */
  arch?: string;
  topology?: string;
  filter?: string;
  gauntlet?: boolean;
  budget?: number | string;
  shard?: string;
  jobs?: number | string;
  'cpu-cap'?: number | string;
  list?: boolean;
  json?: boolean;
  reporter?: string;
  'cold-boot'?: boolean;
  scenario?: string;
  scheduler?: string;
  verbose?: boolean;
  repeat?: number | string;
  'runs-dir'?: string;
}

export function findTestFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new KtstrError('paths', p, 'does not exist', 'Give test files or directories holding *.test.ts files.');
    // A file named explicitly runs whatever its name; directories contribute their *.test.* files.
    if (statSync(p).isDirectory()) out.push(...testFilesUnder(resolve(p)));
    else out.push(resolve(p));
  }
  return out;
}

/** Absolute specifier of the TypeScript loader, so user projects need not install it. */
export function tsLoader(): string {
  return fileURLToPath(import.meta.resolve('tsx'));
}

export function asList(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String);
}

export function positiveInt(v: number | string | undefined, field: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new KtstrError(field, v, 'must be a whole number >= 1', `E.g. ${field} 2.`);
  return n;
}

/** The run's guest architecture: --arch, else the host's. */
export function runArch(opts: Pick<TestFlags, 'arch'>): GuestArch {
  return opts.arch === undefined ? hostArch() : parseGuestArch(String(opts.arch), '--arch');
}

/** Labels of the kernels a listing names, without fetching anything. */
function kernelLabelsForListing(specs: readonly string[], arch: GuestArch): string[] {
  if (specs.length === 0) {
    const fromEnv = arch === 'aarch64' ? process.env.KTSTR_KERNEL_AARCH64 : process.env.KTSTR_KERNEL;
    if (fromEnv) return kernelLabelsForListing([fromEnv], arch);
    return [findCachedKernel(undefined, arch)?.release ?? 'default'];
  }
  // Paths are labelled as resolveKernel labels them (a directory by its name, a file by its
  // directory's); versions by their cached release, else as written (listing fetches nothing).
  return specs.map((s) => {
    if (!s.includes('/') && !existsSync(s)) return findCachedKernel(s, arch)?.release ?? s;
    const p = resolve(s);
    return basename(existsSync(p) && statSync(p).isDirectory() ? p : dirname(p));
  });
}

export interface PlannedRun {
  plan: RunPlan;
  files: string[];
  fileOf: Map<string, string>;
  /** Test files that failed to load (a bad declaration, a syntax error): none of their tests are planned. */
  errors: { file: string; message: string }[];
}

/** The declaration errors of a run, one block per file, for stderr. */
export function declarationErrors(run: PlannedRun): string {
  if (run.errors.length === 0) return '';
  return `\n${run.errors.length} test file(s) failed to load; their tests did not run:\n`
    + run.errors.map((e) => `  ${relative(process.cwd(), e.file) || e.file}\n    ${e.message.split('\n').join('\n    ')}\n    ${loadFailureHint(e.file, e.message)}\n`).join('') + '\n';
}

/** Discovery and planning, shared by running and `--list`. */
export function planFromFlags(paths: readonly string[], opts: TestFlags, kernelLabels: readonly string[]): PlannedRun {
  const files = findTestFiles(paths.length ? paths : DEFAULT_TEST_DIRS.filter((p) => existsSync(p)));
  if (files.length === 0) throw new KtstrError('paths', paths, 'holds no *.test.ts files', 'Point at test files or their directories.');
  if (opts.topology !== undefined) parseTopologyArg(String(opts.topology));
  // Files that fail to load are reported together at the end; the others still plan and run.
  const found = discoverTests(files, tsLoader());
  const host = readHostTopology('/sys', getAffinity(0));
  const arch = runArch(opts);
  const accel = accelFor(arch).accel;
  const plan = planRun(found.tests, {
    kernels: kernelLabels,
    arch,
    topology: opts.topology === undefined ? undefined : String(opts.topology),
    filter: opts.filter === undefined ? undefined : String(opts.filter),
    gauntlet: opts.gauntlet === true,
    budgetSecs: budgetFromEnv(opts.budget),
    shard: opts.shard === undefined ? undefined : parseShard(String(opts.shard)),
    durations: readDurations(),
    host: { topology: host, accel },
    noPerfModeEnv: noPerfModeFromEnv(),
  });
  // Replicas after planning: the budget and shards choose cells, --repeat multiplies what was chosen.
  if (opts.repeat !== undefined) plan.entries = withReplicas(plan.entries, positiveInt(opts.repeat, '--repeat', 1));
  const fileOf = new Map(found.tests.map((t) => [t.name, t.file ?? '']));
  return { plan, files, fileOf, errors: found.errors };
}

function printList(run: PlannedRun, json: boolean): void {
  const rows = run.plan.entries.map((e) => ({
    name: e.name, test: e.test, preset: e.preset, kernel: e.kernel, scheduler: e.scheduler, topology: topologyLabel(e.topology),
    status: e.status, reason: e.reason, estimateMs: e.estimateMs, estimateSource: e.estimateSource, home: e.home,
    ...(e.shard ? { shard: e.shard } : {}), file: run.fileOf.get(e.test),
  }));
  // A listing with files that failed to load still lists the rest, and exits 2.
  if (run.errors.length > 0) {
    process.stderr.write(declarationErrors(run));
    process.exitCode = 2;
  }
  if (json) {
    printJson({ mode: run.plan.mode, ...(run.plan.budgetMs ? { budgetMs: run.plan.budgetMs } : {}), ...(run.plan.shard ? { shard: run.plan.shard } : {}),
      tests: [...new Set(rows.map((r) => r.test))], cells: rows, errors: run.errors });
    return;
  }
  const width = Math.max(4, ...rows.map((r) => r.name.length));
  const mark = { run: 'run ', skip: 'skip', 'left-out': '  - ' } as const;
  for (const r of rows) {
    process.stdout.write(`${mark[r.status]}  ${r.name.padEnd(width)}  ~${(r.estimateMs / 1000).toFixed(0).padStart(4)} s${r.estimateSource === 'model' ? '*' : ' '}  ${r.reason}\n`);
  }
  const n = (s: string) => rows.filter((r) => r.status === s).length;
  const secs = rows.filter((r) => r.status === 'run').reduce((s, r) => s + r.estimateMs, 0) / 1000;
  process.stdout.write(`${n('run')} to run (~${secs.toFixed(0)} s), ${n('skip')} skipped, ${n('left-out')} left out; mode ${run.plan.mode}` +
    `${run.plan.shard ? `, shard ${run.plan.shard}` : ''}  (* estimate from the model; others from earlier runs)\n`);
}

export function registerTestCommand(prog: Sade): void {
  withRunOptions(prog.command('test [paths...]', 'Run ktstr tests: each test over its cells (test/preset/kernel)', { default: false }))
    .option('--list', 'Show what would run and why, without running')
    .option('--json', 'With --list: the plan as JSON; else: the results document on stdout')
    .option('--scenario', 'Run one canned scenario (group/name, see ktstr scenarios) as a cell instead of test files')
    .option('--scheduler', 'With --scenario: eevdf (default), scx-ktstr, or a path to a scheduler binary')
    .option('--repeat', 'Run every cell N times (replicas test/preset/kernel#2 ...), for ktstr stats compare to average')
    .option('--runs-dir', 'Store the run here (or KTSTR_RUNS_DIR; default .ktstr/runs in the current directory)')
    .example('test examples --gauntlet --list')
    .example('test examples --kernel 7.2 --kernel 7.3 --budget 600 --shard 1/4 --json > shard1.json')
    .example('test --scenario cpuset/disjoint --scheduler scx-ktstr')
    .example('test examples --repeat 3 && ktstr stats compare latest~1 latest')
    .action(action(async (first: string | undefined, opts: TestFlags & { _: string[] }) => {
      const paths = [first, ...opts._].filter((p): p is string => typeof p === 'string');
      checkScenarioFlags(opts, paths);
      const runsDir = runsDirFrom(opts['runs-dir'], process.cwd());
      if (opts.scenario) return runScenarioCommand({ ...opts, kernel: Array.isArray(opts.kernel) ? opts.kernel[0] : opts.kernel, runsDir });
      const kernelSpecs = asList(opts.kernel);
      if (opts.list) {
        printList(planFromFlags(paths, opts, kernelLabelsForListing(kernelSpecs, runArch(opts))), opts.json === true);
        return;
      }
      const { run, kernels, jobs, cpuCap } = await prepareRun(paths, opts);
      const { code } = await runPlan(run, kernels, { jobs, cpuCap, opts, runsDir });
      process.exitCode = code;
    }));
}

/** Flags of a planned run that a single `--scenario` cell has no use for. */
const NOT_FOR_SCENARIO = ['filter', 'gauntlet', 'budget', 'shard', 'jobs', 'cpu-cap', 'list', 'reporter', 'verbose', 'repeat'] as const;

/** `--scenario` runs one cell, test files run planned cells: a flag of the other mode would be silently ignored. */
function checkScenarioFlags(opts: TestFlags, paths: readonly string[]): void {
  if (!opts.scenario) {
    if (opts.scheduler !== undefined) {
      throw new KtstrError('--scheduler', opts.scheduler, 'is only for --scenario', 'A test file\'s tests declare their scheduler; drop --scheduler or add --scenario GROUP/NAME.');
    }
    return;
  }
  const extra = NOT_FOR_SCENARIO.filter((f) => opts[f] !== undefined);
  if (extra.length > 0 || paths.length > 0) {
    throw new KtstrError('--scenario', opts.scenario, `runs one canned scenario and takes no ${[...extra.map((f) => `--${f}`), ...(paths.length ? ['test paths'] : [])].join(', ')}`,
      'Drop them, or run test files without --scenario.');
  }
  if (Array.isArray(opts.kernel) && opts.kernel.length > 1) {
    throw new KtstrError('--kernel', opts.kernel, 'is given more than once; --scenario runs one cell on one kernel', 'Give one --kernel.');
  }
}

/**
 * The options every command that runs cells takes (`ktstr test`, `ktstr coverage`); sade adds
 * them to the command declared last.
 */
export function withRunOptions<T extends { option: (flag: string, description: string) => T }>(cmd: T): T {
  return cmd
    .option('--kernel', 'Kernel version or path; repeat for several (default: KTSTR_KERNEL, cache, then fetch)')
    .option('--arch', 'Guest architecture: x86_64 or aarch64 (default: the host\'s); aarch64 boots Debian\'s arm64 kernel under TCG (docs/aarch64.md)')
    .option('--topology', 'Only cells of this shape: a preset name, NnLlCcTt or N,L,C,T')
    .option('--filter', 'Only cells whose name (test/preset/kernel) matches this regular expression')
    .option('--gauntlet', 'Every preset passing each test\'s gates (default: each test\'s home topology only)')
    .option('--budget', 'Seconds: the cells covering most per estimated second (or KTSTR_BUDGET_SECS)')
    .option('--shard', 'K/N: run the K-th of N balanced, deterministic parts')
    .option('--jobs', 'Cells run at once, each in its own process (default 1)')
    .option('--cpu-cap', 'Host CPUs each job reserves and pins its VMs to (or KTSTR_CPU_CAP; default 30% of allowed, min 1)')
    .option('--reporter', 'A node:test reporter (spec, tap, dot, ...) on stdout instead of the progress display')
    .option('--cold-boot', 'Boot every cell from scratch instead of restoring the post-boot snapshot')
    .option('--verbose', 'Show what each cell\'s test body printed (failed cells\' output is always shown)');
}

/** Kernels resolved (and fetched if needed) once here, so parallel jobs do not race to fetch; then the plan and the CPU budget. */
export async function prepareRun(paths: readonly string[], opts: TestFlags): Promise<{ run: PlannedRun; kernels: ResolvedKernel[]; jobs: number; cpuCap: number }> {
  const jobs = positiveInt(opts.jobs, '--jobs', 1);
  const specs = asList(opts.kernel);
  const kernels: ResolvedKernel[] = [];
  const arch = runArch(opts);
  for (const spec of specs.length ? specs : [undefined]) {
    // Without --kernel: KTSTR_KERNEL (KTSTR_KERNEL_AARCH64 for aarch64), the cache, then a fetch.
    const k = await resolveKernel(spec, progress, arch);
    progress(`kernel ${k.label} (${k.how})`);
    kernels.push(k);
  }
  // Said once per run, as `ktstr shell` does: under TCG every cell boots and runs much slower.
  const accel = accelFor(arch);
  progress(`acceleration ${accel.accel} (${accel.reason})`);
  const run = planFromFlags(paths, opts, kernels.map((k) => k.label));
  const schedulers = run.plan.entries.filter((e) => e.status === 'run').map((e) => e.scheduler);
  if (arch === 'x86_64') ensureFixtureForRun(schedulers, kernels[0]!.vmlinuz, progress);
  // On aarch64 the fixture is cross-built here, with its progress shown, rather than inside the
  // first cell's time limit (minutes the first time: setup/fixture-build-aarch64.ts).
  else if (schedulers.includes('scx-ktstr')) for (const k of kernels) aarch64FixtureScheduler(k.vmlinux ?? join(dirname(k.vmlinuz), 'vmlinux'), progress);
  const cpuCap = resolveCpuCap(readHostTopology('/sys', getAffinity(0)), opts['cpu-cap']);
  return { run, kernels, jobs, cpuCap };
}

export interface RunSettings {
  jobs: number;
  cpuCap: number;
  opts: TestFlags;
  /** Added to the test processes' environment (`ktstr coverage`: NODE_V8_COVERAGE, ...). */
  env?: NodeJS.ProcessEnv;
  /** false: the caller prints the results document itself (inside a larger one). */
  printResults?: boolean;
  /** Store the run here (core/src/stats/run-store.ts); no store without it. */
  runsDir?: string;
}

export async function runPlan(run: PlannedRun, kernels: ResolvedKernel[], s: RunSettings): Promise<{ code: number; results: RunResults }> {
  const { plan } = run;
  const active = plan.entries.filter((e) => e.status !== 'left-out');
  const startedAt = new Date().toISOString();
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-run-'));
  // The stored run is assembled here while the cells run: each cell's detail goes in as it ends.
  const staging = s.runsDir ? startRun(s.runsDir) : undefined;
  // KTSTR_EVENTS: a caller that follows the run as it goes (the editor extension) names the file
  // the cells' start and end events go to; stdout keeps its one document for --json.
  const resultsFile = process.env.KTSTR_EVENTS || join(dir, 'events.jsonl');
  if (process.env.KTSTR_EVENTS) writeFileSync(resultsFile, '');
  const kernelsByLabel = Object.fromEntries(kernels.map((k) => [k.label, k]));
  progress(`${active.filter((e) => e.status === 'run').length} cell(s) to run, ${active.filter((e) => e.status === 'skip').length} skipped` +
    ` (mode ${plan.mode}${plan.shard ? `, shard ${plan.shard}` : ''}, ${s.jobs} job(s), ${s.cpuCap} CPU(s) each)`);
  const display = new GauntletProgress(active, resultsFile, s.jobs, s.opts.reporter === undefined, s.opts.verbose === true);
  const children: ReturnType<typeof spawn>[] = [];
  let interrupted: NodeJS.Signals | undefined;
  const forward = (sig: NodeJS.Signals) => {
    interrupted = sig;
    children.forEach((c) => c.kill(sig));
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const exits: Promise<number>[] = [];
  const jobEndings: { report: string; code: number | null; signal: NodeJS.Signals | null; interrupted?: NodeJS.Signals; cells: Set<string> }[] = [];
  for (let job = 0; job < s.jobs; job++) {
    const entries: PlanEntry[] = jobEntries(plan.entries, s.jobs, job);
    if (entries.length === 0) continue;
    const planPath = join(dir, `job-${job + 1}.json`);
    writeJobPlan(planPath, { version: 1, kernels: kernelsByLabel, entries });
    const files = [...new Set(entries.map((e) => run.fileOf.get(e.test)).filter((f): f is string => !!f))];
    // KTSTR_LOGS_DIR: failed cells' detail files and dumps go with the run's other logs, which a
    // run that did not pass moves into its stored run, also when the events file is a caller's.
    const env: NodeJS.ProcessEnv = { ...process.env, ...s.env, KTSTR_PLAN: planPath, KTSTR_RESULTS: resultsFile, KTSTR_LOGS_DIR: dir, KTSTR_CPU_CAP: String(s.cpuCap) };
    if (s.opts['cold-boot']) env.KTSTR_COLD_BOOT = '1';
    if (staging) env.KTSTR_CELL_DETAILS = staging;
    // Set when ktstr itself runs inside a node:test file; the child must be a run of its own.
    delete env.NODE_TEST_CONTEXT;
    const args = ['--import', tsLoader(), '--test', '--test-concurrency=1'];
    if (s.opts.reporter !== undefined) args.push(`--test-reporter=${s.opts.reporter}`, '--test-reporter-destination=stdout');
    else args.push('--test-reporter=spec', `--test-reporter-destination=${join(dir, `job-${job + 1}.log`)}`);
    // TAP's report of a test file says how its process ended (signal, exit code); spec's does not.
    args.push('--test-reporter=tap', `--test-reporter-destination=${join(dir, `job-${job + 1}.tap`)}`);
    args.push(...files);
    // --pdeathsig: the runner dies with this process even on SIGKILL; its test processes notice
    // and exit (core/src/gauntlet/orphan-watch.ts), so a killed run leaves no VM and no lock.
    const child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', process.execPath, ...args], {
      stdio: ['ignore', s.opts.json ? 'ignore' : 'inherit', 'inherit'], env,
    });
    children.push(child);
    const jobNumber = job + 1;
    exits.push(new Promise<number>((res) => child.on('exit', (c, sig) => {
      // A test process killed mid-cell could not remove its VM's files: do it for it, now.
      reapStaleVmFiles();
      jobEndings.push({ report: join(dir, `job-${jobNumber}.tap`), code: c, signal: sig, interrupted, cells: new Set(entries.map((e) => e.name)) });
      res(c ?? (sig ? 130 : 1));
    })));
  }
  display.start();
  const codes = await Promise.all(exits);
  display.stop();
  process.off('SIGINT', forward);
  process.off('SIGTERM', forward);
  const events = readCellEvents(resultsFile);
  const results = resultsFromEvents(events, startedAt, plan.shard ?? '1/1');
  // A cell whose test process died mid-cell has a start and no end: it fails, saying how.
  const planned = active.map((e) => ({ name: e.name, test: e.test, preset: e.preset, kernel: e.kernel, scheduler: e.scheduler, topology: topologyLabel(e.topology) }));
  for (const ending of jobEndings) {
    const how = howTestProcessEnded(ending.report, ending);
    // A set, not a scan of the records per planned cell: a gauntlet has thousands of both.
    const recorded = new Set(results.cells.map((c) => c.name));
    const open = planned.filter((p) => !recorded.has(p.name));
    results.cells.push(...unfinishedCells(events, open, how));
    // An interrupted or killed job's cells that never started are skips saying so, not absent
    // (notStartedCells leaves out the cells with any event, those unfinishedCells just took).
    if (endedAbnormally(how)) results.cells.push(...notStartedCells(events, open.filter((p) => ending.cells.has(p.name)), how));
  }
  const failed = results.cells.filter((c) => c.status === 'failed');
  // A file that failed to load is an error of the run (2), whatever its other cells did.
  let code = run.errors.length > 0 ? 2 : failed.length > 0 || codes.some((c) => c !== 0) ? 1 : 0;
  // What is kept of a run that did not pass (node:test's reports, failed cells' detail files and
  // failure dumps) goes into the stored run as logs/, not left in the temporary directory: the
  // records then name it there. Without a store it stays where it is, and the path is said.
  let keptIn = code !== 0 && active.length > 0 ? dir : undefined;
  if (s.runsDir && staging) {
    const id = newRunId();
    const logs = keptIn ? join(s.runsDir, id, 'logs') : undefined;
    const moved = logs ? withPathsMoved(results, dir, logs) : results;
    try {
      const stored = await storeRun({ runsDir: s.runsDir, staging, results: { ...moved, errors: run.errors }, commit: projectCommit(process.cwd()), source: 'test', id });
      if (logs) {
        moveDirectory(dir, logs);
        Object.assign(results, moved);
        keptIn = logs;
      }
      progress(`stored run ${stored.id} in ${relative(process.cwd(), stored.dir) || stored.dir}`);
    } catch (e) {
      // The cells' verdicts stand; not keeping them is still a failure to do what was asked.
      progress(`could not store the run in ${s.runsDir}: ${(e as Error).message}`);
      code = Math.max(code, 2);
    }
  }
  if (s.opts.json && s.printResults !== false) printJson(run.errors.length ? { ...results, errors: run.errors } : results);
  const summary = `${results.cells.filter((c) => c.status === 'passed').length} passed, ${failed.length} failed, ` +
    `${results.cells.filter((c) => c.status === 'skipped').length} skipped`;
  process.stderr.write(skippedSummary(results.cells));
  process.stderr.write(failedTable(results.cells.filter((c) => c.status === 'failed' && !doesNotFit(c))));
  process.stderr.write(doesNotFitSummary(failed));
  process.stderr.write(declarationErrors(run));
  progress(`${summary}${run.errors.length ? `, ${run.errors.length} test file(s) failed to load` : ''}`);
  if (code !== 0) {
    if (keptIn && s.opts.reporter === undefined) progress(`node:test reports kept in ${relative(process.cwd(), keptIn) || keptIn}`);
    if (keptIn !== dir) rmSync(dir, { recursive: true, force: true });
    return { code, results };
  }
  rmSync(dir, { recursive: true, force: true });
  return { code: 0, results };
}

/** The results with every file path under `from` (detail files, failure dumps) moved under `to`. */
function withPathsMoved(results: RunResults, from: string, to: string): RunResults {
  const move = (p: string | undefined) => (p && p.startsWith(`${from}/`) ? join(to, p.slice(from.length + 1)) : p);
  return {
    ...results,
    cells: results.cells.map((c) => {
      const detailFile = move(c.detailFile);
      const failureDump = move(c.failureDump);
      return { ...c, ...(detailFile ? { detailFile } : {}), ...(failureDump ? { failureDump } : {}) };
    }),
  };
}

/** rename, or copy and remove when `to` is on another filesystem (a /tmp tmpfs, a project on disk). */
function moveDirectory(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    cpSync(from, to, { recursive: true });
    rmSync(from, { recursive: true, force: true });
  }
}
