/**
 * Which tests a run of one architecture (`ktstr test --arch aarch64`) leaves as skips, and why:
 *  - a test whose `arch` field names other architectures only (an arm-only test on x86_64);
 *  - a test whose gates no preset of this architecture passes while some of another does (a
 *    `requiresSmt` test on aarch64, whose presets have no SMT). On its own architecture such
 *    gates are an error in the test; here they only mean it is not for this run.
 * A skipped test still shows in the plan and the results, once per kernel, with the reason.
 */
import { PRESETS, type Arch } from '@ktstr/presets';
import type { Topology } from '../topology/topology.js';
import { gateProblems, type PerfModeOptions, type TestGates } from './gates.js';
import { BASELINE_SCHEDULER, cellName, type GauntletCell, shapeName } from './expand.js';

export interface ArchTest extends TestGates, PerfModeOptions {
  name: string;
  /** The architectures the test runs on; absent means every one. */
  arches?: readonly Arch[] | undefined;
  scheduler?: { readonly name: string; readonly topology?: Topology | undefined } | undefined;
  topology?: Topology | undefined;
}

const ALL_ARCHES: readonly Arch[] = [...new Set(PRESETS.flatMap((p) => p.arches))];

/** Why `test` does not run on `arch`, or undefined when it does. */
export function archSkipReason(test: ArchTest, arch: Arch): string | undefined {
  if (test.arches && !test.arches.includes(arch)) {
    return `arch: the test runs on ${test.arches.join(' and ')} only; this run is ${arch}`;
  }
  const where = `ktstrTest(${JSON.stringify(test.name)})`;
  const here = gateProblems(test, where, arch);
  if (here.length === 0) return undefined;
  // Only when another architecture's presets pass: a gate that is wrong everywhere stays an error.
  const elsewhere = ALL_ARCHES.filter((a) => a !== arch && gateProblems(test, where, a).length === 0);
  if (elsewhere.length === 0) return undefined;
  return `arch: no ${arch} preset passes the test's gates (it runs on ${elsewhere.join(' and ')})`;
}

/** The skipped cells of such a test: one per kernel, on its declared shape. */
export function archSkippedCells(test: ArchTest, kernels: readonly string[], arch: Arch): GauntletCell[] {
  const topology = test.topology ?? test.scheduler?.topology ?? PRESETS[0]!.topology;
  const preset = shapeName(topology, arch);
  return kernels.map((kernel) => ({
    name: cellName(test.name, preset, kernel),
    test: test.name,
    preset,
    topology,
    kernel,
    scheduler: test.scheduler?.name ?? BASELINE_SCHEDULER,
    home: true,
    pinned: test.topology !== undefined,
  }));
}
