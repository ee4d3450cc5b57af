/**
 * The CPU topology a cell's VM is built with: NUMA nodes, last-level caches (LLCs, counted over
 * the whole machine and split evenly over the nodes), cores per LLC and hardware threads per
 * core. A topology of 2 nodes, 4 LLCs, 2 cores per LLC and 2 threads per core has 16 CPUs:
 * each node holds 2 LLCs, each LLC 4 CPUs.
 */
import { KtstrError } from '../errors.js';

export interface Topology {
  numaNodes: number;
  llcs: number;
  coresPerLlc: number;
  threadsPerCore: number;
}

/** Beyond this a TCG guest spends its whole time in boot on our 2-core machines; KVM hosts can raise it. */
export const MAX_CPUS = 256;
const MAX_THREADS_PER_CORE = 4;

export function totalCpus(t: Topology): number {
  return t.llcs * t.coresPerLlc * t.threadsPerCore;
}

/** `2n4l2c2t`: short, sortable, and unique per shape; used in cell names and cache keys. */
export function topologyLabel(t: Topology): string {
  return `${t.numaNodes}n${t.llcs}l${t.coresPerLlc}c${t.threadsPerCore}t`;
}

/**
 * Checks a topology and returns it normalised. `where` names the field in errors
 * (e.g. `declareScheduler(simple).topology`).
 */
export function validateTopology(input: unknown, where = 'topology'): Topology {
  if (typeof input !== 'object' || input === null) {
    throw new KtstrError(where, input, 'is not a topology object',
      'Give { numaNodes, llcs, coresPerLlc, threadsPerCore }, e.g. { numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 }.');
  }
  const raw = input as Record<string, unknown>;
  const known = new Set(['numaNodes', 'llcs', 'coresPerLlc', 'threadsPerCore']);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      throw new KtstrError(`${where}.${key}`, raw[key], 'is not a topology field',
        `Use only ${[...known].join(', ')}.`);
    }
  }
  const count = (key: string, dflt: number | undefined): number => {
    const v = raw[key] ?? dflt;
    if (v === undefined) {
      throw new KtstrError(`${where}.${key}`, v, 'is missing', `Set ${key} to a whole number >= 1.`);
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new KtstrError(`${where}.${key}`, v, 'must be a whole number >= 1', `Set ${key} to 1 or more.`);
    }
    return v;
  };
  const t: Topology = {
    numaNodes: count('numaNodes', 1),
    llcs: count('llcs', undefined),
    coresPerLlc: count('coresPerLlc', undefined),
    threadsPerCore: count('threadsPerCore', 1),
  };
  if (t.llcs % t.numaNodes !== 0) {
    throw new KtstrError(`${where}.llcs`, t.llcs, `does not divide evenly over ${t.numaNodes} NUMA nodes`,
      `Every node holds the same number of LLCs: make llcs a multiple of numaNodes (e.g. ${t.numaNodes * Math.max(1, Math.round(t.llcs / t.numaNodes))}).`);
  }
  if (t.threadsPerCore > MAX_THREADS_PER_CORE) {
    throw new KtstrError(`${where}.threadsPerCore`, t.threadsPerCore, `is more than ${MAX_THREADS_PER_CORE}`,
      'x86 SMT has 2 threads per core; use 1 (no SMT) or 2.');
  }
  const cpus = totalCpus(t);
  if (cpus > MAX_CPUS) {
    throw new KtstrError(where, t, `has ${cpus} CPUs, more than ${MAX_CPUS}`,
      'Shrink coresPerLlc or llcs; a VM that large does not boot in useful time.');
  }
  return t;
}

/** The CPUs of each LLC, each NUMA node and each core, as the guest must report them. */
export interface TopologyLayout {
  llcCpus: number[][];
  nodeCpus: number[][];
  coreCpus: number[][];
}

/**
 * Where each CPU number lands. Follows QEMU's x86 numbering: threads vary fastest, then cores,
 * then dies (one die = one LLC here), then sockets (one socket = one NUMA node).
 */
export function topologyLayout(t: Topology): TopologyLayout {
  const perCore = t.threadsPerCore;
  const perLlc = t.coresPerLlc * perCore;
  const llcsPerNode = t.llcs / t.numaNodes;
  const range = (start: number, n: number) => Array.from({ length: n }, (_, i) => start + i);
  return {
    llcCpus: range(0, t.llcs).map((l) => range(l * perLlc, perLlc)),
    nodeCpus: range(0, t.numaNodes).map((n) => range(n * llcsPerNode * perLlc, llcsPerNode * perLlc)),
    coreCpus: range(0, t.llcs * t.coresPerLlc).map((c) => range(c * perCore, perCore)),
  };
}
