/**
 * Turns a cell's machine description into QEMU's command line. Pure: no I/O, so every shape
 * is unit-tested; the running backend is qemu-backend.ts.
 *
 * How the topology maps (measured under QEMU 7.2, see docs/architecture.md):
 *  - one NUMA node = one socket, one LLC = one die: QEMU gives each die its own L3 only with an
 *    Intel-vendor CPU model (AMD-vendor models ignore dies and share L3 per socket);
 *  - guest RAM is one shared file per NUMA node so the host can map the same pages (monitor,
 *    snapshots); with one node the machine's whole memory is that single backend;
 *  - several nodes get SLIT distances (`-numa dist`) and an HMAT with each node's CPUs as the
 *    initiator of its memory and latency/bandwidth for every initiator/target pair derived from
 *    those distances (topology/hmat.ts); without HMAT the guest has no nodeN/access0.
 */
import { type Topology, totalCpus } from '../topology/topology.js';
import { hmatEntries, REMOTE_DISTANCE } from '../topology/hmat.js';
import type { Accel } from './accel.js';
import type { GuestArch } from './guest-arch.js';
import { AARCH64_CONSOLE, aarch64MachineArgs } from './qemu-args-aarch64.js';

export interface MachineSpec {
  topology: Topology;
  /** The guest's architecture; default x86_64. aarch64's machine is in qemu-args-aarch64.ts. */
  arch?: GuestArch;
  /** Whole guest RAM, split evenly over NUMA nodes. */
  memoryMiB: number;
  accel: Accel;
  kernel: string;
  initrd: string;
  /** Extra kernel arguments after ours. */
  cmdline?: string[];
  /** One file per node is created as `${ramPathPrefix}-node<N>`. */
  ramPathPrefix: string;
  consoleLog: string;
  /** 'terminal' wires the serial console to QEMU's stdio (ktstr shell); default: the log file. */
  console?: 'log' | 'terminal';
  channelSocket: string;
  qmpSocket: string;
  /** Off-node SLIT distance (local is 10). */
  remoteDistance?: number;
  /** Start paused, waiting for a migration stream (snapshot restore). */
  incoming?: boolean;
  /**
   * Boot with KASLR (drops `nokaslr`): the monitor takes every address from the running kernel,
   * so it works either way, and this tests that it does. Default off.
   */
  kaslr?: boolean;
  /**
   * Offer the vCPUs 5-level paging (LA57): kernels built for it then run 5 levels, with their
   * direct map and vmalloc space in other places. The monitor's page-table walk is tested on it.
   */
  la57?: boolean;
}

/** An Intel model for the die-scoped L3 above; avx512 is off because TCG cannot emulate it. */
export const GUEST_CPU_MODEL = 'Skylake-Server,-avx512f,-avx512dq,-avx512cd,-avx512bw,-avx512vl,-pku';

/** Kernel arguments every cell boots with, and why each is there. */
export const BASE_KERNEL_ARGS = [
  'console=ttyS0', // the serial console is the cell's log (ttyAMA0 on aarch64, see kernelArgs)
  'rdinit=/init', // ktstr-guest is PID 1
  'panic=-1', // a panic reboots, and -no-reboot turns that into QEMU exiting
  'nokaslr', // fixed addresses make guest memory easy to read by hand; `kaslr: true` drops it
  'loglevel=4',
  'mitigations=off', // boot time; we measure schedulers, not speculation hardening
];

/**
 * TCG runs all vCPUs in one host thread unless KTSTR_TCG_THREAD=multi. Multi-threaded TCG races
 * with the kernel's live code patching (static keys flipped with int3 breakpoints, e.g. when a
 * sched_ext scheduler attaches): guests oopsed with "Oops: int3" in __schedule in about one cell
 * in eight. Single-threaded TCG executes cross-modified code coherently.
 */
export function tcgThreading(): 'single' | 'multi' {
  return process.env.KTSTR_TCG_THREAD === 'multi' ? 'multi' : 'single';
}

export function ramFilePath(spec: Pick<MachineSpec, 'ramPathPrefix'>, node: number): string {
  return `${spec.ramPathPrefix}-node${node}`;
}

export function nodeMemoryMiB(spec: Pick<MachineSpec, 'memoryMiB' | 'topology'>): number {
  // Each node's backend must be a multiple of 2 MiB so huge-page aligned layouts stay possible.
  return Math.max(2, Math.floor(spec.memoryMiB / spec.topology.numaNodes / 2) * 2);
}

/** The kernel command line: BASE_KERNEL_ARGS with the architecture's console, then the spec's own. */
export function kernelArgs(spec: Pick<MachineSpec, 'arch' | 'kaslr' | 'cmdline'>): string[] {
  const console = spec.arch === 'aarch64' ? `console=${AARCH64_CONSOLE}` : undefined;
  return [
    ...BASE_KERNEL_ARGS
      .filter((a) => !(spec.kaslr && a === 'nokaslr'))
      .map((a) => (console && a.startsWith('console=') ? console : a)),
    ...(spec.cmdline ?? []),
  ];
}

function x86MachineArgs(spec: MachineSpec): string[] {
  const t = spec.topology;
  const nodes = t.numaNodes;
  return [
    '-machine', nodes === 1 ? 'q35,memory-backend=ram-node0' : 'q35,hmat=on',
    '-cpu', spec.la57 ? `${GUEST_CPU_MODEL},+la57` : GUEST_CPU_MODEL,
    '-smp', [
      `cpus=${totalCpus(t)}`,
      `sockets=${nodes}`,
      `dies=${t.llcs / nodes}`,
      `cores=${t.coresPerLlc}`,
      `threads=${t.threadsPerCore}`,
    ].join(','),
  ];
}

export function qemuArgs(spec: MachineSpec): string[] {
  const t = spec.topology;
  const nodes = t.numaNodes;
  const perNode = nodeMemoryMiB(spec);
  const aarch64 = spec.arch === 'aarch64';
  const args: string[] = [
    '-name', 'ktstr',
    '-nodefaults', '-no-user-config', '-no-reboot', '-display', 'none',
    '-accel', spec.accel === 'kvm' ? 'kvm' : `tcg,thread=${tcgThreading()}`,
    '-m', `${perNode * nodes}M`,
    ...(aarch64 ? aarch64MachineArgs(t) : x86MachineArgs(spec)),
  ];
  for (let n = 0; n < nodes; n++) {
    args.push('-object', `memory-backend-file,id=ram-node${n},size=${perNode}M,mem-path=${ramFilePath(spec, n)},share=on`);
  }
  if (nodes > 1) {
    for (let n = 0; n < nodes; n++) {
      // hmat=on needs every node's initiator: its own CPUs (one socket per node). aarch64 boots
      // from a device tree, which carries no HMAT (qemu-args-aarch64.ts).
      args.push('-numa', aarch64 ? `node,nodeid=${n},memdev=ram-node${n}` : `node,nodeid=${n},memdev=ram-node${n},initiator=${n}`);
      args.push('-numa', `cpu,node-id=${n},socket-id=${n}`);
    }
    const remote = spec.remoteDistance ?? REMOTE_DISTANCE;
    for (let a = 0; a < nodes; a++) {
      for (let b = 0; b < nodes; b++) {
        if (a !== b) args.push('-numa', `dist,src=${a},dst=${b},val=${remote}`);
      }
    }
    for (const e of aarch64 ? [] : hmatEntries(nodes, remote)) {
      const pair = `hmat-lb,initiator=${e.initiator},target=${e.target},hierarchy=memory`;
      args.push('-numa', `${pair},data-type=access-latency,latency=${e.latencyNs}`);
      // QEMU takes bytes per second; the M suffix is MiB.
      args.push('-numa', `${pair},data-type=access-bandwidth,bandwidth=${e.bandwidthMiBps}M`);
    }
  }
  args.push(
    '-kernel', spec.kernel,
    '-initrd', spec.initrd,
    '-append', kernelArgs(spec).join(' '),
    // signal=off: in a terminal session Ctrl-C belongs to the guest's shell, not to QEMU.
    '-chardev', spec.console === 'terminal' ? 'stdio,id=console,signal=off' : `file,id=console,path=${spec.consoleLog}`,
    '-serial', 'chardev:console',
    // Over PCI on both: the virt board has a PCIe host bridge, and the arm64 kernel builds in
    // VIRTIO_PCI but has VIRTIO_MMIO only as a module, which the guest cannot load.
    '-device', 'virtio-serial-pci,id=vser0',
    '-chardev', `socket,id=ktstr0,path=${spec.channelSocket},server=on,wait=off`,
    '-device', 'virtserialport,bus=vser0.0,chardev=ktstr0,name=ktstr.0',
    '-qmp', `unix:${spec.qmpSocket},server=on,wait=off`,
  );
  if (spec.incoming) args.push('-incoming', 'defer');
  return args;
}
