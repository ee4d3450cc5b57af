/**
 * A scheduler declaration: which binary, what topology it is normally tested on, and the
 * arguments it always gets. Tests refer to the returned constant; without one they run under
 * the kernel's default scheduler (EEVDF).
 */
import { existsSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { KtstrError } from '../errors.js';
import { type Topology, validateTopology } from '../topology/topology.js';
import { checkConfigFileDecl, type ConfigFileDecl } from './config-pairing.js';
import { type AssertThresholds, validateThresholds } from './thresholds.js';

export interface SchedulerOptions {
  /** Short name used in cell names and reports. */
  name: string;
  /** A path, or a name looked up in KTSTR_SCHEDULER_DIRS, the fixture directory and PATH. */
  binary: string;
  /** The topology tests run on when they do not choose one. */
  topology?: Topology;
  /** Arguments the scheduler always gets. */
  schedArgs?: string[];
  /** How long sched_ext may take to reach `enabled` (TCG is slow to verify BPF). */
  attachTimeoutMs?: number;
  /**
   * The scheduler reads a config file that each test supplies inline (`config`): the framework
   * writes it at `guestPath` and passes `arg` with `{file}` replaced by that path.
   */
  configFile?: ConfigFileDecl;
  /**
   * A gcov-instrumented build of the same scheduler (compiled and linked with --coverage), used
   * instead of `binary` under `ktstr coverage` so its loader's line coverage is reported
   * (docs/coverage.md). A path.
   */
  coverageBinary?: string;
  /**
   * The scheduler's option for the kernel's exit-dump length (`--exit-dump-len` in scx's
   * schedulers and the fixture). ktstr passes it `EXIT_DUMP_LEN` bytes, so the kernel's debug
   * dump of an error exit reaches the failure dump whole (docs/debugging.md). Omit it for a
   * scheduler without such an option.
   */
  exitDumpLenArg?: string;
  /**
   * What "good enough" means for this scheduler: bounds for its tests' assertions (a test's own
   * `thresholds` win key by key). Checked by `r.expect.withinThresholds()` or an assertion
   * called without its bound; they change no verdict by themselves (docs/metrics.md).
   */
  thresholds?: AssertThresholds;
}

/** The kernel's exit dump room ktstr asks for (its default is 32 KiB, a few CPUs' worth of tasks). */
export const EXIT_DUMP_LEN = 128 * 1024;

export interface SchedulerDecl {
  readonly kind: 'scheduler';
  readonly name: string;
  readonly binary: string;
  readonly topology: Topology | undefined;
  readonly schedArgs: readonly string[];
  readonly attachTimeoutMs: number;
  readonly configFile?: ConfigFileDecl;
  readonly coverageBinary?: string;
  readonly exitDumpLenArg?: string;
  readonly thresholds?: AssertThresholds;
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function declareScheduler(options: SchedulerOptions): SchedulerDecl {
  const where = `declareScheduler(${JSON.stringify(options?.name)})`;
  if (typeof options?.name !== 'string' || !NAME.test(options.name)) {
    throw new KtstrError(`${where}.name`, options?.name, 'is not a valid scheduler name', 'Use 1-64 letters, digits, ., _ or -.');
  }
  if (typeof options.binary !== 'string' || options.binary === '') {
    throw new KtstrError(`${where}.binary`, options.binary, 'is missing', 'Give the scheduler executable: a path or a name on PATH.');
  }
  if (options.coverageBinary !== undefined && (typeof options.coverageBinary !== 'string' || options.coverageBinary === '')) {
    throw new KtstrError(`${where}.coverageBinary`, options.coverageBinary, 'is not a path', 'Give the path of the --coverage build of the scheduler.');
  }
  if (options.exitDumpLenArg !== undefined && (typeof options.exitDumpLenArg !== 'string' || !options.exitDumpLenArg.startsWith('-'))) {
    throw new KtstrError(`${where}.exitDumpLenArg`, options.exitDumpLenArg, 'is not an option', 'Give the option that takes the exit-dump length, e.g. \'--exit-dump-len\'.');
  }
  const args = options.schedArgs ?? [];
  args.forEach((a, i) => {
    if (typeof a !== 'string') throw new KtstrError(`${where}.schedArgs[${i}]`, a, 'is not a string', 'Pass arguments as strings.');
  });
  return Object.freeze({
    kind: 'scheduler' as const,
    name: options.name,
    binary: options.binary,
    topology: options.topology ? validateTopology(options.topology, `${where}.topology`) : undefined,
    schedArgs: Object.freeze([...args]),
    attachTimeoutMs: options.attachTimeoutMs ?? 60_000,
    ...(options.coverageBinary !== undefined ? { coverageBinary: resolve(options.coverageBinary) } : {}),
    ...(options.exitDumpLenArg !== undefined ? { exitDumpLenArg: options.exitDumpLenArg } : {}),
    ...(options.thresholds !== undefined ? { thresholds: Object.freeze(validateThresholds(options.thresholds, where)) } : {}),
    ...(options.configFile !== undefined ? { configFile: Object.freeze(checkConfigFileDecl(options.configFile, `${where}.configFile`)) } : {}),
  });
}

/** Finds the scheduler executable on the host. */
export function resolveSchedulerBinary(decl: SchedulerDecl, extraDirs: readonly string[] = []): string {
  if (isAbsolute(decl.binary) || decl.binary.includes('/')) {
    const p = resolve(decl.binary);
    if (existsSync(p)) return p;
    throw new KtstrError(`declareScheduler(${JSON.stringify(decl.name)}).binary`, decl.binary, 'does not exist', 'Build the scheduler first or fix the path.');
  }
  const dirs = [
    ...(process.env.KTSTR_SCHEDULER_DIRS?.split(delimiter) ?? []),
    ...extraDirs,
    ...(process.env.PATH?.split(delimiter) ?? []),
  ].filter(Boolean);
  for (const d of dirs) {
    const p = join(d, decl.binary);
    if (existsSync(p)) return p;
  }
  throw new KtstrError(`declareScheduler(${JSON.stringify(decl.name)}).binary`, decl.binary, 'was not found',
    'Put it on PATH, set KTSTR_SCHEDULER_DIRS, or give an absolute path.');
}
