/**
 * Topology gates: the shapes a test is willing to run on. A gauntlet expands a test only over
 * the presets that pass its gates, so a test that needs two LLCs never boots on one.
 *
 * Pure: the runner, `ktstr test --list` and the language server's diagnostics all call these
 * same functions, so a rule is stated once.
 */
import { type Arch, type Preset, presetsFor } from '@ktstr/presets';
import { KtstrError } from '../errors.js';
import { type Topology, totalCpus } from '../topology/topology.js';

/**
 * The gates a test declares. Every field is optional; an omitted bound does not constrain.
 * Defaults: minLlcs 1, minCpus 1, minNumaNodes 1, every max unbounded, requiresSmt false.
 */
export interface TestGates {
  /** Fewest LLCs (machine total) the test needs. Default 1. */
  minLlcs?: number;
  /** Most LLCs the test tolerates. Default: no limit. */
  maxLlcs?: number;
  /** Fewest CPUs (LLCs x cores x threads). Default 1. */
  minCpus?: number;
  /** Most CPUs the test tolerates. Default: no limit. */
  maxCpus?: number;
  /** Fewest NUMA nodes. Default 1. */
  minNumaNodes?: number;
  /** Most NUMA nodes. Default: no limit. */
  maxNumaNodes?: number;
  /** Run only on shapes with SMT (more than one thread per core). Default false. */
  requiresSmt?: boolean;
}

/** The options beside the gates that gate checking also validates (they exclude each other). */
export interface PerfModeOptions {
  /** Pin and isolate the VM for measurements; needs the host to match the topology. */
  performanceMode?: boolean;
  /** Build the declared topology even on a smaller host; relaxes host checks to total CPUs. */
  noPerfMode?: boolean;
}

/** Gates with every default filled in; `Infinity` means no upper bound. */
export interface ResolvedGates {
  minLlcs: number;
  maxLlcs: number;
  minCpus: number;
  maxCpus: number;
  minNumaNodes: number;
  maxNumaNodes: number;
  requiresSmt: boolean;
}

export const DEFAULT_GATES: Readonly<ResolvedGates> = Object.freeze({
  minLlcs: 1,
  maxLlcs: Infinity,
  minCpus: 1,
  maxCpus: Infinity,
  minNumaNodes: 1,
  maxNumaNodes: Infinity,
  requiresSmt: false,
});

/** The gate fields in a stable order, for messages and for tools that enumerate them. */
export const GATE_FIELDS = ['minLlcs', 'maxLlcs', 'minCpus', 'maxCpus', 'minNumaNodes', 'maxNumaNodes', 'requiresSmt'] as const;

const BOUND_PAIRS = [
  ['minLlcs', 'maxLlcs', 'LLCs'],
  ['minCpus', 'maxCpus', 'CPUs'],
  ['minNumaNodes', 'maxNumaNodes', 'NUMA nodes'],
] as const;

/**
 * Every problem with a test's gates, as errors (empty when they are fine): values that are not
 * whole numbers >= 1, a min above its max, performanceMode together with noPerfMode, and gates
 * no preset of `arch` passes. `where` prefixes each field, e.g. `ktstrTest("x")`.
 * Accepts loosely typed input, since the language server reads values out of source text.
 */
export function gateProblems(gates: TestGates & PerfModeOptions, where: string, arch: Arch = 'x86_64'): KtstrError[] {
  const problems: KtstrError[] = [];
  const raw = gates as Record<string, unknown>;
  for (const field of GATE_FIELDS) {
    const v = raw[field];
    if (v === undefined) continue;
    if (field === 'requiresSmt') {
      if (typeof v !== 'boolean') problems.push(new KtstrError(`${where}.${field}`, v, 'must be true or false', 'Write requiresSmt: true, or leave it out.'));
    } else if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      problems.push(new KtstrError(`${where}.${field}`, v, 'must be a whole number >= 1', `Set ${field} to 1 or more, or leave it out.`));
    }
  }
  for (const [min, max, what] of BOUND_PAIRS) {
    const lo = raw[min];
    const hi = raw[max];
    if (typeof lo === 'number' && typeof hi === 'number' && lo > hi) {
      problems.push(new KtstrError(`${where}.${min}`, lo, `is above ${max} (${hi}): no machine has between ${lo} and ${hi} ${what}`,
        `Lower ${min} or raise ${max}.`));
    }
  }
  for (const field of ['performanceMode', 'noPerfMode'] as const) {
    const v = raw[field];
    if (v !== undefined && typeof v !== 'boolean') {
      problems.push(new KtstrError(`${where}.${field}`, v, 'must be true or false', `Write ${field}: true, or leave it out.`));
    }
  }
  if (raw.performanceMode === true && raw.noPerfMode === true) {
    problems.push(new KtstrError(`${where}.noPerfMode`, true, 'is set together with performanceMode',
      'They exclude each other: performanceMode pins the VM to matching host hardware, noPerfMode builds the topology without it. Keep one.'));
  }
  if (problems.length === 0) {
    const none = noPresetPasses(gates, where, arch);
    if (none) problems.push(none);
  }
  return problems;
}

/** Throws the first of gateProblems, for code paths that must stop on bad gates. */
export function checkGates(gates: TestGates & PerfModeOptions, where: string, arch: Arch = 'x86_64'): ResolvedGates {
  const [first] = gateProblems(gates, where, arch);
  if (first) throw first;
  return resolveGates(gates);
}

/** Fills in the documented defaults. Does not validate: call gateProblems for that. */
export function resolveGates(gates: TestGates = {}): ResolvedGates {
  return {
    minLlcs: gates.minLlcs ?? DEFAULT_GATES.minLlcs,
    maxLlcs: gates.maxLlcs ?? DEFAULT_GATES.maxLlcs,
    minCpus: gates.minCpus ?? DEFAULT_GATES.minCpus,
    maxCpus: gates.maxCpus ?? DEFAULT_GATES.maxCpus,
    minNumaNodes: gates.minNumaNodes ?? DEFAULT_GATES.minNumaNodes,
    maxNumaNodes: gates.maxNumaNodes ?? DEFAULT_GATES.maxNumaNodes,
    requiresSmt: gates.requiresSmt ?? DEFAULT_GATES.requiresSmt,
  };
}

/** Why `topology` fails the gates (the first failing gate), or undefined when it passes. */
export function gateFailure(topology: Topology, gates: TestGates = {}): string | undefined {
  const g = resolveGates(gates);
  const cpus = totalCpus(topology);
  if (topology.llcs < g.minLlcs) return `${topology.llcs} LLCs < minLlcs ${g.minLlcs}`;
  if (topology.llcs > g.maxLlcs) return `${topology.llcs} LLCs > maxLlcs ${g.maxLlcs}`;
  if (cpus < g.minCpus) return `${cpus} CPUs < minCpus ${g.minCpus}`;
  if (cpus > g.maxCpus) return `${cpus} CPUs > maxCpus ${g.maxCpus}`;
  if (topology.numaNodes < g.minNumaNodes) return `${topology.numaNodes} NUMA nodes < minNumaNodes ${g.minNumaNodes}`;
  if (topology.numaNodes > g.maxNumaNodes) return `${topology.numaNodes} NUMA nodes > maxNumaNodes ${g.maxNumaNodes}`;
  if (g.requiresSmt && topology.threadsPerCore < 2) return 'no SMT, but requiresSmt';
  return undefined;
}

export function topologyPasses(topology: Topology, gates: TestGates = {}): boolean {
  return gateFailure(topology, gates) === undefined;
}

export function presetPasses(preset: Preset, gates: TestGates = {}): boolean {
  return topologyPasses(preset.topology, gates);
}

/**
 * The presets of `arch` that pass `gates`, in table order. Throws when none does: a test that
 * would expand to zero cells is a mistake in its gates, not a quiet pass.
 */
export function presetsPassing(gates: TestGates, arch: Arch = 'x86_64', where = 'gates'): Preset[] {
  const none = noPresetPasses(gates, where, arch);
  if (none) throw none;
  return presetsFor(arch).filter((p) => presetPasses(p, gates));
}

function noPresetPasses(gates: TestGates, where: string, arch: Arch): KtstrError | undefined {
  if (presetsFor(arch).some((p) => presetPasses(p, gates))) return undefined;
  const set = GATE_FIELDS.filter((f) => gates[f] !== undefined).map((f) => `${f}: ${String(gates[f])}`);
  return new KtstrError(where, Object.fromEntries(GATE_FIELDS.filter((f) => gates[f] !== undefined).map((f) => [f, gates[f]])),
    `no ${arch} preset passes these gates (${set.join(', ') || 'none set'})`,
    `Loosen the gates; \`ktstr presets --arch ${arch}\` lists the shapes there are.`);
}
