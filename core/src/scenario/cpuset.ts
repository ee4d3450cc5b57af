/**
 * Topology-relative cpusets: a scenario says "LLC 1" or "the second of three disjoint parts"
 * and the host turns it into CPU numbers for the cell's topology, so the same scenario runs on
 * every shape that has what it asks for.
 */
import { KtstrError } from '../errors.js';
import { type Topology, topologyLayout, totalCpus } from '../topology/topology.js';
import { topologyName } from './topology-name.js';
import { ScenarioDoesNotFitError } from './does-not-fit.js';

export type CpusetSpec =
  | { kind: 'llc'; index: number }
  | { kind: 'node'; index: number }
  | { kind: 'disjoint'; index: number; of: number }
  | { kind: 'overlapping'; index: number; of: number; overlap: number }
  | { kind: 'range'; start: number; end: number }
  | { kind: 'exact'; cpus: number[] };

export const cpuset = {
  /** Every CPU of LLC `index`. */
  llc: (index: number): CpusetSpec => ({ kind: 'llc', index }),
  /** Every CPU of NUMA node `index`. */
  node: (index: number): CpusetSpec => ({ kind: 'node', index }),
  /**
   * Part `index` of `of` disjoint parts of the machine: whole LLCs when `of` divides the LLC
   * count, else equal contiguous runs of CPUs.
   */
  disjoint: (index: number, of: number): CpusetSpec => ({ kind: 'disjoint', index, of }),
  /**
   * Part `index` of `of` parts, each widened by `overlap` (a fraction of a part) into the next
   * part, wrapping around: neighbours share CPUs.
   */
  overlapping: (index: number, of: number, overlap = 0.5): CpusetSpec => ({ kind: 'overlapping', index, of, overlap }),
  /** The CPUs from fraction `start` to fraction `end` of the machine (0 <= start < end <= 1). */
  range: (start: number, end: number): CpusetSpec => ({ kind: 'range', start, end }),
  /** Exactly these CPUs. */
  exact: (cpus: number[]): CpusetSpec => ({ kind: 'exact', cpus: [...cpus] }),
};

const seq = (start: number, n: number) => Array.from({ length: n }, (_, i) => start + i);

/** The CPU numbers a spec stands for on `t`; `field` is the path named in errors. */
export function resolveCpuset(spec: CpusetSpec, t: Topology, field: string): number[] {
  const layout = topologyLayout(t);
  const total = totalCpus(t);
  const name = topologyName(t);
  const fail = (value: unknown, problem: string, remedy: string): never => {
    throw new KtstrError(field, value, problem, remedy);
  };
  const pick = (groups: number[][], what: string, index: number, gate: string) => {
    const g = Number.isInteger(index) ? groups[index] : undefined;
    const problem = `${what} ${index} does not exist on ${name} (${groups.length} ${what}s)`;
    if (g === undefined && Number.isInteger(index) && index >= groups.length) {
      // Fine on a bigger machine: the topology is what is short, and a gate is the fix.
      throw new ScenarioDoesNotFitError(field, index, problem,
        `Use an index from 0 to ${groups.length - 1}, or gate the scenario with requires: { ${gate}: ${index + 1} } (and the test with ${gate}: ${index + 1}).`,
        { [gate]: index + 1 }, name);
    }
    if (g === undefined) fail(index, problem, `Use an index from 0 to ${groups.length - 1}.`);
    return [...g!];
  };
  const parts = (index: number, of: number) => {
    if (Number.isInteger(of) && of > total) {
      throw new ScenarioDoesNotFitError(field, of, `cannot split ${name}'s ${total} CPUs into ${of} parts`,
        `Use 1 to ${total} parts, or gate the scenario with requires: { minCpus: ${of} } (and the test with minCpus: ${of}).`, { minCpus: of }, name);
    }
    if (!Number.isInteger(of) || of < 1) fail(of, `cannot split ${name}'s ${total} CPUs into ${of} parts`, `Use 1 to ${total} parts.`);
    if (!Number.isInteger(index) || index < 0 || index >= of) fail(index, `is not a part of ${of}`, `Use an index from 0 to ${of - 1}.`);
  };
  if (typeof spec !== 'object' || spec === null) return fail(spec, 'is not a cpuset', 'Build it with cpuset.llc(i), cpuset.disjoint(i, n), ... or cpuset.exact([...]).');
  switch (spec.kind) {
    case 'llc':
      return pick(layout.llcCpus, 'LLC', spec.index, 'minLlcs');
    case 'node':
      return pick(layout.nodeCpus, 'NUMA node', spec.index, 'minNumaNodes');
    case 'disjoint': {
      parts(spec.index, spec.of);
      if (t.llcs % spec.of === 0) {
        const per = t.llcs / spec.of;
        return layout.llcCpus.slice(spec.index * per, (spec.index + 1) * per).flat();
      }
      const start = Math.floor((spec.index * total) / spec.of);
      const end = Math.floor(((spec.index + 1) * total) / spec.of);
      return seq(start, end - start);
    }
    case 'overlapping': {
      parts(spec.index, spec.of);
      if (typeof spec.overlap !== 'number' || !(spec.overlap > 0 && spec.overlap <= 1)) {
        fail(spec.overlap, 'must be a fraction > 0 and <= 1', 'E.g. cpuset.overlapping(0, 2, 0.5).');
      }
      const part = total / spec.of;
      const start = Math.floor(spec.index * part);
      const size = Math.min(total, Math.max(Math.ceil(part) + 1, Math.ceil(part * (1 + spec.overlap))));
      return [...new Set(seq(start, size).map((c) => c % total))].sort((a, b) => a - b);
    }
    case 'range': {
      const ok = typeof spec.start === 'number' && typeof spec.end === 'number' && spec.start >= 0 && spec.end <= 1 && spec.start < spec.end;
      if (!ok) fail({ start: spec.start, end: spec.end }, 'is not a range 0 <= start < end <= 1', 'E.g. cpuset.range(0, 0.5) for the first half.');
      const start = Math.floor(spec.start * total);
      const end = Math.max(start + 1, Math.ceil(spec.end * total));
      return seq(start, Math.min(end, total) - start);
    }
    case 'exact': {
      if (!Array.isArray(spec.cpus) || spec.cpus.length === 0) return fail(spec.cpus, 'is empty', `Use CPUs 0-${total - 1}.`);
      const bad = spec.cpus.find((c) => !Number.isInteger(c) || c < 0 || c >= total);
      if (bad !== undefined && Number.isInteger(bad) && bad >= total) {
        const need = Math.max(...spec.cpus) + 1;
        throw new ScenarioDoesNotFitError(field, spec.cpus, `names CPU ${bad}, which ${name} does not have (${total} CPUs)`,
          `Use CPUs 0-${total - 1}, or gate the scenario with requires: { minCpus: ${need} } (and the test with minCpus: ${need}).`, { minCpus: need }, name);
      }
      if (bad !== undefined) fail(spec.cpus, `names CPU ${bad}, which is not a CPU number`, `Use CPUs 0-${total - 1}.`);
      return [...new Set(spec.cpus)].sort((a, b) => a - b);
    }
    default:
      return fail(spec, 'is not a cpuset', 'Build it with cpuset.llc(i), cpuset.disjoint(i, n), ... or cpuset.exact([...]).');
  }
}
