/**
 * Compares the topology a guest reports (its `hello` message) with the one the cell asked for.
 * A VM that came up with another shape would make every topology-sensitive assertion
 * meaningless, so a mismatch fails the cell before the scenario runs.
 */
import { type Topology, topologyLayout, totalCpus } from './topology.js';
import { formatCpulist, parseCpulist } from './cpulist.js';

/** One online CPU as the guest agent reports it (see docs/guest-protocol.md). */
export interface GuestCpu {
  cpu: number;
  node: number;
  package: number;
  die: number;
  core: number;
  llc: string;
  siblings: string;
}

/** What the guest saw, grouped: the same shape as TopologyLayout, from sysfs. */
export interface ObservedTopology {
  cpus: number[];
  nodeCpus: number[][];
  llcCpus: number[][];
  coreCpus: number[][];
}

export function observeTopology(cpus: readonly GuestCpu[]): ObservedTopology {
  const groups = (key: (c: GuestCpu) => string) => {
    const m = new Map<string, number[]>();
    for (const c of cpus) {
      const k = key(c);
      if (k === '' || k === '-1') continue;
      m.set(k, [...(m.get(k) ?? []), c.cpu]);
    }
    return [...m.values()].map((g) => g.sort((a, b) => a - b)).sort((a, b) => a[0]! - b[0]!);
  };
  return {
    cpus: cpus.map((c) => c.cpu).sort((a, b) => a - b),
    nodeCpus: groups((c) => String(c.node)),
    llcCpus: groups((c) => formatCpulist(parseCpulist(c.llc))),
    coreCpus: groups((c) => formatCpulist(parseCpulist(c.siblings))),
  };
}

/** Human-readable differences; empty when the guest matches the request. */
export function compareTopology(want: Topology, seen: ObservedTopology): string[] {
  const expected = topologyLayout(want);
  const show = (groups: number[][]) => groups.map((g) => formatCpulist(g)).join(' | ');
  const diffs: string[] = [];
  if (seen.cpus.length !== totalCpus(want)) {
    diffs.push(`online CPUs: want ${totalCpus(want)}, guest has ${seen.cpus.length} (${formatCpulist(seen.cpus)})`);
  }
  const check = (what: string, w: number[][], s: number[][]) => {
    if (show(w) !== show(s)) diffs.push(`${what}: want ${w.length} [${show(w)}], guest has ${s.length} [${show(s)}]`);
  };
  check('NUMA nodes', expected.nodeCpus, seen.nodeCpus.length === 0 ? [seen.cpus] : seen.nodeCpus);
  check('LLCs', expected.llcCpus, seen.llcCpus);
  check('SMT cores', expected.coreCpus, seen.coreCpus);
  return diffs;
}
