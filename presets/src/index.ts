/**
 * Topology presets as data: named shapes tests and users refer to by name. Validation of the
 * shapes themselves lives in @ktstr/core's topology module; this package only holds the table.
 */
export interface PresetTopology {
  numaNodes: number;
  llcs: number;
  coresPerLlc: number;
  threadsPerCore: number;
}

export interface Preset {
  name: string;
  arch: 'x86_64' | 'aarch64';
  topology: PresetTopology;
  description: string;
}

const p = (name: string, numaNodes: number, llcs: number, coresPerLlc: number, threadsPerCore: number, description: string): Preset => ({
  name, arch: 'x86_64', topology: { numaNodes, llcs, coresPerLlc, threadsPerCore }, description,
});

/** The x86_64 presets available so far; the full table comes with the gauntlet. */
export const PRESETS: readonly Preset[] = Object.freeze([
  p('tiny-1llc', 1, 1, 2, 1, '2 CPUs sharing one LLC'),
  p('tiny-2llc', 1, 2, 2, 1, '2 LLCs of 2 cores'),
  p('smt-2llc', 1, 2, 2, 2, '2 LLCs of 2 SMT cores (8 CPUs)'),
  p('numa2-2llc', 2, 2, 2, 1, '2 NUMA nodes with one LLC of 2 cores each'),
  p('numa2-4llc-smt', 2, 4, 1, 2, '2 NUMA nodes, 2 LLCs each, one SMT core per LLC'),
]);

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((x) => x.name === name);
}

export function presetNames(): string[] {
  return PRESETS.map((x) => x.name);
}
