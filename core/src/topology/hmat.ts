/**
 * Memory latency and bandwidth between NUMA nodes, as a multi-node cell's firmware describes
 * them in ACPI HMAT (QEMU `-numa hmat-lb`), derived from the same distances as its SLIT:
 *
 *   latency   = 10 ns x distance            local (10) 100 ns, remote (20) 200 ns
 *   bandwidth = 10 GiB/s x 10 / distance    local 10240 MiB/s, remote 5120 MiB/s
 *
 * so the kernel's two views of the machine agree: a node that is twice as far is twice as slow
 * to reach and gives half the bandwidth, and the nearest initiator of every node is the node
 * itself. Schedulers and the kernel read these through /sys/devices/system/node/nodeN/access0
 * (memory tiers, NUMA balancing); without HMAT that directory does not exist.
 *
 * The guest reports what its kernel made of the table (`hello.nodes`), and guest-check.ts
 * compares it with `expectedAccess0`. Pure.
 */

/** SLIT distance of a node to itself (ACPI's fixed value). */
export const LOCAL_DISTANCE = 10;
/** SLIT distance between two different nodes of a cell. */
export const REMOTE_DISTANCE = 20;
export const LATENCY_NS_PER_DISTANCE = 10;
export const LOCAL_BANDWIDTH_MIBPS = 10240;

export function nodeDistance(from: number, to: number, remote = REMOTE_DISTANCE): number {
  return from === to ? LOCAL_DISTANCE : remote;
}

/** One initiator -> target entry of the table. */
export interface HmatEntry {
  initiator: number;
  target: number;
  latencyNs: number;
  bandwidthMiBps: number;
}

export function hmatEntry(initiator: number, target: number, remote = REMOTE_DISTANCE): HmatEntry {
  const d = nodeDistance(initiator, target, remote);
  return {
    initiator,
    target,
    latencyNs: LATENCY_NS_PER_DISTANCE * d,
    // Whole MiB/s: QEMU stores bandwidth in units of its smallest power of two, the kernel
    // reports MB/s; a whole number survives both.
    bandwidthMiBps: Math.round((LOCAL_BANDWIDTH_MIBPS * LOCAL_DISTANCE) / d),
  };
}

/** Every initiator x target pair, initiator-major (the order QEMU's options are given in). */
export function hmatEntries(nodes: number, remote = REMOTE_DISTANCE): HmatEntry[] {
  const out: HmatEntry[] = [];
  for (let i = 0; i < nodes; i++) for (let t = 0; t < nodes; t++) out.push(hmatEntry(i, t, remote));
  return out;
}

/**
 * What the kernel reports in nodeN/access0/initiators for each target: the initiators that are
 * best on every attribute (lowest latency and highest bandwidth, ties kept), and those best
 * values. `access-latency` and `access-bandwidth` set read and write alike.
 */
export interface NodeAccess {
  node: number;
  initiators: number[];
  readLatencyNs: number;
  writeLatencyNs: number;
  readBandwidthMiBps: number;
  writeBandwidthMiBps: number;
}

export function expectedAccess0(nodes: number, remote = REMOTE_DISTANCE): NodeAccess[] {
  const entries = hmatEntries(nodes, remote);
  return Array.from({ length: nodes }, (_, target) => {
    const to = entries.filter((e) => e.target === target);
    const latency = Math.min(...to.map((e) => e.latencyNs));
    const bandwidth = Math.max(...to.map((e) => e.bandwidthMiBps));
    return {
      node: target,
      initiators: to.filter((e) => e.latencyNs === latency && e.bandwidthMiBps === bandwidth).map((e) => e.initiator),
      readLatencyNs: latency,
      writeLatencyNs: latency,
      readBandwidthMiBps: bandwidth,
      writeBandwidthMiBps: bandwidth,
    };
  });
}
