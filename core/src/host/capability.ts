/**
 * Whether this host can sensibly run a cell of a given topology, and if not, why.
 *
 * Under KVM each vCPU is a host thread that wants a host CPU of its own, so a cell needs the host
 * to cover its shape: at least as many usable CPUs as vCPUs, LLCs as LLCs and NUMA nodes as
 * nodes. With noPerfMode (or KTSTR_NO_PERF_MODE=1) the virtual topology is decoupled from the
 * hardware and only the total CPU count must suffice.
 *
 * Under TCG the host's shape does not matter: QEMU emulates every vCPU in one host thread
 * (single-threaded TCG, see docs/architecture.md), so more host CPUs do not make a larger guest
 * feasible; its cost is time. Measured here (2 shared cores, cold boot to one command's exit
 * with `ktstr shell --cold-boot --exec true`): 8 vCPUs 17 s, 16 vCPUs 18 s, 32 vCPUs 103 s.
 * So the TCG rule is at most TCG_MAX_VCPUS (16) vCPUs,
 * tunable with KTSTR_TCG_MAX_VCPUS; noPerfMode lifts it (the author accepts slow cells), which
 * leaves the topology limit of 256 CPUs.
 */
import type { Accel } from '../vm/accel.js';
import { type Topology, totalCpus } from '../topology/topology.js';
import type { HostTopology } from './host-topology.js';

export const TCG_MAX_VCPUS = 16;

export interface HostCheckOptions {
  accel: Accel;
  /** The test's noPerfMode, or KTSTR_NO_PERF_MODE=1. */
  noPerfMode: boolean;
}

export function noPerfModeFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.KTSTR_NO_PERF_MODE === '1' || env.KTSTR_NO_PERF_MODE === 'true';
}

export function tcgMaxVcpus(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.KTSTR_TCG_MAX_VCPUS);
  return Number.isInteger(v) && v >= 1 ? v : TCG_MAX_VCPUS;
}

/** Why `topology` does not fit this host, or undefined when it does. */
export function hostSkipReason(topology: Topology, host: HostTopology, options: HostCheckOptions, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const vcpus = totalCpus(topology);
  const cpus = host.allowedCpus.length;
  if (options.accel === 'tcg') {
    if (options.noPerfMode) return undefined;
    const limit = tcgMaxVcpus(env);
    if (vcpus > limit) {
      return `${vcpus} vCPUs under TCG (no KVM here): more than ${limit} boots too slowly to run; ` +
        'set noPerfMode (or KTSTR_NO_PERF_MODE=1) to run it anyway, or raise KTSTR_TCG_MAX_VCPUS';
    }
    return undefined;
  }
  if (vcpus > cpus) return `${vcpus} vCPUs but the host offers ${cpus} CPU(s)`;
  if (options.noPerfMode) return undefined;
  if (topology.llcs > host.llcs.length) {
    return `${topology.llcs} LLCs but the host has ${host.llcs.length}; set noPerfMode (or KTSTR_NO_PERF_MODE=1) to check total CPUs only`;
  }
  if (topology.numaNodes > host.numaNodes.length) {
    return `${topology.numaNodes} NUMA nodes but the host has ${host.numaNodes.length}; set noPerfMode (or KTSTR_NO_PERF_MODE=1) to check total CPUs only`;
  }
  return undefined;
}
