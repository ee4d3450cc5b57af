/**
 * Topology-relative cpusets: a test says "LLC 1" and the host turns it into CPU numbers for
 * the cell's topology, so the same test runs on every shape that has an LLC 1.
 */
import { KtstrError } from '../errors.js';
import { type Topology, topologyLayout, topologyLabel } from '../topology/topology.js';

export type CpusetSpec =
  | { kind: 'llc'; index: number }
  | { kind: 'node'; index: number }
  | { kind: 'exact'; cpus: number[] };

export const cpuset = {
  /** Every CPU of LLC `index`. */
  llc: (index: number): CpusetSpec => ({ kind: 'llc', index }),
  /** Every CPU of NUMA node `index`. */
  node: (index: number): CpusetSpec => ({ kind: 'node', index }),
  /** Exactly these CPUs. */
  exact: (cpus: number[]): CpusetSpec => ({ kind: 'exact', cpus: [...cpus] }),
};

export function resolveCpuset(spec: CpusetSpec, t: Topology, field: string): number[] {
  const layout = topologyLayout(t);
  const pick = (groups: number[][], what: string, index: number) => {
    const g = groups[index];
    if (!Number.isInteger(index) || g === undefined) {
      throw new KtstrError(field, index, `${what} ${index} does not exist on ${topologyLabel(t)} (${groups.length} ${what}s)`,
        `Use an index from 0 to ${groups.length - 1}, or gate the test (e.g. minLlcs).`);
    }
    return g;
  };
  switch (spec.kind) {
    case 'llc':
      return pick(layout.llcCpus, 'LLC', spec.index);
    case 'node':
      return pick(layout.nodeCpus, 'NUMA node', spec.index);
    case 'exact': {
      const total = layout.llcCpus.flat().length;
      const bad = spec.cpus.find((c) => !Number.isInteger(c) || c < 0 || c >= total);
      if (bad !== undefined || spec.cpus.length === 0) {
        throw new KtstrError(field, spec.cpus, bad === undefined ? 'is empty' : `names CPU ${bad}, which ${topologyLabel(t)} does not have`,
          `Use CPUs 0-${total - 1}.`);
      }
      return [...new Set(spec.cpus)].sort((a, b) => a - b);
    }
  }
}
