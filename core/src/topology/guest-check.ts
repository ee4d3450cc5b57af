/**
 * Compares the topology a guest reports (its `hello` message) with the one the cell asked for.
 * A VM that came up with another shape would make every topology-sensitive assertion
 * meaningless, so a mismatch fails the cell before the scenario runs. With several NUMA nodes
 * that includes the memory latency and bandwidth the kernel read from HMAT (hmat.ts).
 */
import { type Topology, topologyLayout, totalCpus } from './topology.js';
import { formatCpulist, parseCpulist } from './cpulist.js';
import { expectedAccess0, type NodeAccess } from './hmat.js';

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

/**
 * One NUMA node as the agent reports it: nodeN/access0/initiators, the initiators nearest to
 * its memory and their latency (ns) and bandwidth (MB/s); null when the kernel has no access
 * classes (no HMAT). Values it could not read are -1.
 */
export interface GuestNode {
  node: number;
  access0: {
    initiators: number[];
    read_latency: number;
    write_latency: number;
    read_bandwidth: number;
    write_bandwidth: number;
  } | null;
}

/** What the guest saw, grouped: the same shape as TopologyLayout, from sysfs. */
export interface ObservedTopology {
  cpus: number[];
  nodeCpus: number[][];
  llcCpus: number[][];
  coreCpus: number[][];
  /**
   * Each node's access0, ordered by node (null where the kernel has none); undefined when the
   * caller passed no node report, which leaves HMAT out of the comparison.
   */
  access0?: (NodeAccess | null)[];
}

/** `nodes` is the hello's node report; pass it (even empty) to have HMAT compared. */
export function observeTopology(cpus: readonly GuestCpu[], nodes?: readonly GuestNode[]): ObservedTopology {
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
    ...(nodes ? { access0: [...nodes].sort((a, b) => a.node - b.node).map(nodeAccess) } : {}),
  };
}

function nodeAccess(n: GuestNode): NodeAccess | null {
  const a = n.access0;
  if (!a) return null;
  return {
    node: n.node, initiators: [...a.initiators].sort((x, y) => x - y), readLatencyNs: a.read_latency, writeLatencyNs: a.write_latency,
    readBandwidthMiBps: a.read_bandwidth, writeBandwidthMiBps: a.write_bandwidth,
  };
}

const showAccess = (a: NodeAccess | null | undefined) => (a
  ? `initiators ${formatCpulist(a.initiators) || 'none'}, latency ${a.readLatencyNs}/${a.writeLatencyNs} ns, bandwidth ${a.readBandwidthMiBps}/${a.writeBandwidthMiBps} MB/s (read/write)`
  : 'no access0 (no HMAT)');

/**
 * HMAT differences: a multi-node cell must show, for each node, the initiators and values of
 * hmat.ts's rule; a one-node cell has no HMAT (one node has nothing to compare) and must show none.
 */
export function compareHmat(want: Topology, access0: readonly (NodeAccess | null)[]): string[] {
  const expected = want.numaNodes > 1 ? expectedAccess0(want.numaNodes) : [];
  const diffs: string[] = [];
  for (let n = 0; n < Math.max(want.numaNodes, access0.length); n++) {
    const w = expected[n];
    const s = access0[n];
    if (showAccess(w) !== showAccess(s)) diffs.push(`node ${n} access0: want ${showAccess(w)}, guest has ${showAccess(s)}`);
  }
  return diffs;
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
  if (seen.access0) diffs.push(...compareHmat(want, seen.access0));
  return diffs;
}
