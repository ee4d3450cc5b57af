/**
 * Topology presets as data: the named machine shapes a gauntlet expands a test over, and names
 * users pass to `--topology`. Validation of a shape lives in @ktstr/core's topology module; this
 * package only holds the table (presets <- core, never the other way).
 *
 * LLC counts are machine totals, split evenly over the NUMA nodes. aarch64 has no SMT, so its
 * presets are the x86_64 ones with one thread per core.
 */
export interface PresetTopology {
  numaNodes: number;
  llcs: number;
  coresPerLlc: number;
  threadsPerCore: number;
}

export type Arch = 'x86_64' | 'aarch64';

export interface Preset {
  name: string;
  topology: PresetTopology;
  /** Architectures the preset exists on. */
  arches: readonly Arch[];
  description: string;
}

const preset = (name: string, numaNodes: number, llcs: number, coresPerLlc: number, threadsPerCore: number, description: string): Preset => ({
  name,
  topology: { numaNodes, llcs, coresPerLlc, threadsPerCore },
  arches: threadsPerCore > 1 ? ['x86_64'] : ['x86_64', 'aarch64'],
  description,
});

export const PRESETS: readonly Preset[] = Object.freeze([
  preset('tiny-1llc', 1, 1, 4, 1, 'one LLC of 4 cores'),
  preset('tiny-2llc', 1, 2, 2, 1, 'the smallest multi-LLC machine'),
  preset('odd-3llc', 1, 3, 3, 1, 'an odd CPU count (9)'),
  preset('odd-5llc', 1, 5, 3, 1, 'a prime LLC count (5)'),
  preset('odd-7llc', 1, 7, 2, 1, 'a prime LLC count (7)'),
  preset('smt-2llc', 1, 2, 2, 2, 'SMT siblings on 2 LLCs'),
  preset('smt-3llc', 1, 3, 2, 2, 'SMT siblings on 3 LLCs'),
  preset('medium-4llc', 1, 4, 4, 2, 'a medium machine: 32 CPUs'),
  preset('medium-8llc', 1, 8, 4, 2, 'a medium machine with many LLCs'),
  preset('large-4llc', 1, 4, 16, 2, 'a large machine with few, wide LLCs'),
  preset('large-8llc', 1, 8, 8, 2, 'a large machine with many LLCs'),
  preset('near-max-llc', 1, 15, 8, 2, 'close to the largest LLC count'),
  preset('max-cpu', 1, 14, 9, 2, 'close to the KVM vCPU limit (252)'),
  preset('medium-4llc-nosmt', 1, 4, 8, 1, 'medium, without SMT'),
  preset('medium-8llc-nosmt', 1, 8, 8, 1, 'medium with many LLCs, without SMT'),
  preset('large-4llc-nosmt', 1, 4, 32, 1, 'large with few LLCs, without SMT'),
  preset('large-8llc-nosmt', 1, 8, 16, 1, 'large with many LLCs, without SMT'),
  preset('near-max-llc-nosmt', 1, 15, 16, 1, 'close to the largest LLC count, without SMT'),
  preset('max-cpu-nosmt', 1, 14, 18, 1, 'close to the KVM vCPU limit, without SMT'),
  preset('numa2-4llc', 2, 4, 4, 1, 'two NUMA nodes'),
  preset('numa2-8llc', 2, 8, 8, 2, 'two NUMA nodes with SMT'),
  preset('numa2-8llc-nosmt', 2, 8, 16, 1, 'two NUMA nodes, without SMT'),
  preset('numa4-8llc', 4, 8, 4, 1, 'four NUMA nodes'),
  preset('numa4-12llc', 4, 12, 8, 2, 'four NUMA nodes with SMT'),
]);

export function presetsFor(arch: Arch): Preset[] {
  return PRESETS.filter((p) => p.arches.includes(arch));
}

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((x) => x.name === name);
}

export function presetNames(arch: Arch = 'x86_64'): string[] {
  return presetsFor(arch).map((x) => x.name);
}
