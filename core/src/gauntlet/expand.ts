/**
 * Gauntlet expansion: one test declaration becomes cells, one per (topology, kernel), named
 * `test/preset/kernel`. The runner, `ktstr test --list` and the language server all expand
 * through this module, so a cell has the same name everywhere.
 *
 * How a test's topology choice interacts with the presets:
 * - An explicit `topology` on the test pins it: the test has exactly one topology, whatever
 *   the gauntlet or `--topology` ask. Its gates must pass that topology (else it is an error).
 * - Otherwise the test expands over every preset of the architecture that passes its gates.
 *   Its *home* topology is the scheduler's declared topology when that passes the gates, else
 *   the smallest passing preset (fewest CPUs, then table order). A home shape that is no
 *   preset joins the expansion under its label (e.g. `1n2l3c1t`).
 * - A default run (no `--gauntlet`, budget or `--topology`) runs only home cells; see
 *   core/src/gauntlet/select.ts.
 * - `topologyFilter` (`--topology`) keeps the cells with that shape. An unpinned test whose
 *   gates pass a shape outside the presets gets one cell on it; a pinned test on another shape
 *   has none.
 *
 * Pure: no fs, no VM, no test runner.
 */
import { type Arch, presetsFor } from '@ktstr/presets';
import { KtstrError } from '../errors.js';
import { type Topology, topologyLabel } from '../topology/topology.js';
import { parseTopologyArg } from '../topology/topology-arg.js';
import { gateFailure, type PerfModeOptions, presetsPassing, type TestGates } from './gates.js';
import { totalCpus } from '../topology/topology.js';

/** What expansion needs to know about a test: its name, gates, scheduler and topology pin. */
export interface GauntletTest extends TestGates, PerfModeOptions {
  name: string;
  scheduler?: { readonly name: string; readonly topology?: Topology | undefined } | undefined;
  topology?: Topology | undefined;
}

/** The scheduler name cells of tests without a scheduler carry. */
export const BASELINE_SCHEDULER = 'eevdf';

export interface GauntletCell {
  /** `test/preset/kernel`: unique in a run, stable across runs. */
  name: string;
  test: string;
  /** The preset whose shape this is, else the topology label (`1n2l3c1t`). */
  preset: string;
  topology: Topology;
  kernel: string;
  scheduler: string;
  /** This is the test's home topology: what a default (non-gauntlet) run picks. */
  home: boolean;
  /** The test has an explicit topology; this is its only cell per kernel. */
  pinned: boolean;
}

export interface ExpandOptions {
  /** Kernel labels (as ResolvedKernel.label); each one multiplies the cells. At least one. */
  kernels: readonly string[];
  arch: Arch;
  /** Keep only cells of this shape: a preset name, NnLlCcTt or N,L,C,T (as `--topology`). */
  topologyFilter?: string | undefined;
  /** Keep only cells whose name matches; a string is a regular expression. */
  filter?: string | RegExp | undefined;
}

/** A topology the expansion left out, and why (for `ktstr test --list` and editor hovers). */
export interface ExcludedTopology {
  preset: string;
  reason: string;
}

export interface TestExpansion {
  cells: GauntletCell[];
  excluded: ExcludedTopology[];
}

export function cellName(test: string, preset: string, kernel: string): string {
  return `${test}/${preset}/${kernel}`;
}

function sameShape(a: Topology, b: Topology): boolean {
  return a.numaNodes === b.numaNodes && a.llcs === b.llcs && a.coresPerLlc === b.coresPerLlc && a.threadsPerCore === b.threadsPerCore;
}

/** The preset name of a shape on `arch`, else its label. */
export function shapeName(topology: Topology, arch: Arch): string {
  return presetsFor(arch).find((p) => sameShape(p.topology, topology))?.name ?? topologyLabel(topology);
}

export function compileFilter(filter: string | RegExp | undefined, field = '--filter'): RegExp | undefined {
  if (filter === undefined || filter instanceof RegExp) return filter;
  try {
    return new RegExp(filter);
  } catch (e) {
    throw new KtstrError(field, filter, `is not a regular expression (${(e as Error).message})`,
      'Escape special characters, e.g. --filter "smt-2llc" or --filter "^my test/".');
  }
}

/** The cells of one test, and the topologies it does not run on with the reason. */
export function expandTest(test: GauntletTest, options: ExpandOptions): TestExpansion {
  const where = `ktstrTest(${JSON.stringify(test.name)})`;
  if (options.kernels.length === 0) {
    throw new KtstrError('kernels', options.kernels, 'is empty', 'Give at least one kernel label; the runner resolves --kernel first.');
  }
  const dup = options.kernels.find((k, i) => options.kernels.indexOf(k) !== i);
  if (dup !== undefined) {
    throw new KtstrError('kernels', dup, 'is given twice (cells are named by kernel label)', 'Give each kernel once; two paths to one kernel directory share its label.');
  }
  const scheduler = test.scheduler?.name ?? BASELINE_SCHEDULER;
  const wanted = options.topologyFilter === undefined ? undefined : parseTopologyArg(options.topologyFilter);
  const pattern = compileFilter(options.filter);
  const excluded: ExcludedTopology[] = [];
  // Each entry: a shape, its name, and whether it is home.
  const shapes: { topology: Topology; preset: string; home: boolean }[] = [];

  if (test.topology) {
    const failure = gateFailure(test.topology, test);
    if (failure) {
      throw new KtstrError(`${where}.topology`, topologyLabel(test.topology), `fails the test's own gates: ${failure}`,
        'Change the topology or the gates; an explicit topology is the only shape the test runs on.');
    }
    shapes.push({ topology: test.topology, preset: shapeName(test.topology, options.arch), home: true });
  } else {
    const passing = presetsPassing(test, options.arch, where);
    for (const p of presetsFor(options.arch)) {
      const failure = gateFailure(p.topology, test);
      if (failure) excluded.push({ preset: p.name, reason: `gate: ${failure}` });
    }
    const declared = test.scheduler?.topology;
    const declaredFailure = declared ? gateFailure(declared, test) : undefined;
    if (declared && declaredFailure) {
      excluded.push({ preset: shapeName(declared, options.arch), reason: `scheduler ${scheduler}'s topology fails the gates: ${declaredFailure}` });
    }
    const home = declared && !declaredFailure
      ? declared
      : [...passing].sort((a, b) => totalCpus(a.topology) - totalCpus(b.topology))[0]!.topology;
    if (!passing.some((p) => sameShape(p.topology, home))) {
      shapes.push({ topology: home, preset: topologyLabel(home), home: true });
    }
    for (const p of passing) shapes.push({ topology: p.topology, preset: p.name, home: sameShape(p.topology, home) });
    if (wanted && !shapes.some((s) => sameShape(s.topology, wanted))) {
      const failure = gateFailure(wanted, test);
      if (failure) excluded.push({ preset: shapeName(wanted, options.arch), reason: `gate: ${failure}` });
      else shapes.push({ topology: wanted, preset: shapeName(wanted, options.arch), home: false });
    }
  }

  const cells: GauntletCell[] = [];
  for (const s of shapes) {
    if (wanted && !sameShape(s.topology, wanted)) continue;
    for (const kernel of options.kernels) {
      const name = cellName(test.name, s.preset, kernel);
      if (pattern && !pattern.test(name)) continue;
      cells.push({ name, test: test.name, preset: s.preset, topology: s.topology, kernel, scheduler, home: s.home, pinned: test.topology !== undefined });
    }
  }
  if (wanted && test.topology && !sameShape(test.topology, wanted)) {
    excluded.push({ preset: shapeName(wanted, options.arch), reason: `pinned to ${topologyLabel(test.topology)}` });
  }
  return { cells, excluded };
}

/** The cells of one test over its passing presets x kernels, named `test/preset/kernel`. */
export function expandGauntlet(test: GauntletTest, options: ExpandOptions): GauntletCell[] {
  return expandTest(test, options).cells;
}
