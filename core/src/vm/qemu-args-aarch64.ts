/**
 * The aarch64 machine: QEMU's `virt` board with a GICv3, booted directly (-kernel, no firmware),
 * so the kernel learns the machine from the device tree QEMU generates. Pure, like qemu-args.ts.
 *
 * How the topology maps (measured with QEMU 7.2 and Debian's 7.2 arm64 cloud kernel, see
 * docs/aarch64.md):
 *  - one NUMA node = one socket (`-numa cpu,node-id=N,socket-id=N`), distances from `-numa dist`
 *    reach the guest through the device tree's distance-map;
 *  - one LLC = one *cluster* (`-smp clusters=`): QEMU writes the device tree's cpu-map
 *    socket/cluster/core nodes, and the kernel reports them in topology/cluster_cpus_list.
 *    QEMU 7.2 cannot describe caches on arm64 (no cache nodes in the device tree, no cache
 *    descriptors in its PPTT), so the guest's cache/index*\/ shows the CPU model's levels with
 *    every level above L1 shared machine-wide. The cluster is the only per-group unit it can
 *    express, and the guest agent reports it as the LLC on arm64;
 *  - no HMAT: the device tree has no such table (QEMU builds HMAT only into ACPI, which a direct
 *    kernel boot does not use).
 */
import { type Topology, totalCpus } from '../topology/topology.js';

/**
 * A Neoverse N1 (Armv8.2, no pointer authentication, no SVE): the fastest of the models tried
 * under TCG. Measured on 4 vCPUs, boot to power-off of a busybox guest: neoverse-n1 11.9 s,
 * `max,pauth-impdef=on` 17.0 s, plain `max` far slower (its architected pointer-authentication
 * algorithm is expensive to emulate). docs/aarch64.md has the numbers.
 */
export const AARCH64_CPU_MODEL = 'neoverse-n1';

/** The virt board's first UART, a PL011. */
export const AARCH64_CONSOLE = 'ttyAMA0';

/** -machine, -cpu and -smp for `topology` on the virt board. */
export function aarch64MachineArgs(topology: Topology): string[] {
  const nodes = topology.numaNodes;
  return [
    // gic-version=3: GICv2 stops at 8 CPUs; presets go to 252.
    '-machine', nodes === 1 ? 'virt,gic-version=3,memory-backend=ram-node0' : 'virt,gic-version=3',
    '-cpu', AARCH64_CPU_MODEL,
    '-smp', [
      `cpus=${totalCpus(topology)}`,
      `sockets=${nodes}`,
      `clusters=${topology.llcs / nodes}`,
      `cores=${topology.coresPerLlc}`,
      `threads=${topology.threadsPerCore}`,
    ].join(','),
  ];
}
