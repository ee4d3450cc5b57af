/**
 * Per-worker CPU affinity as an intent ("one CPU each", "a random 2 CPUs"), resolved on the
 * host into the CPU lists the agent applies with sched_setaffinity. Random subsets come from a
 * PRNG seeded by the scenario's seed and the cgroup's name, so a cell is reproducible.
 */
import { KtstrError } from '../errors.js';
import { type Topology, topologyLayout } from '../topology/topology.js';
import { type CpusetSpec, resolveCpuset } from './cpuset.js';

export type AffinityIntent =
  | { kind: 'inherit' }
  | { kind: 'random_subset'; count: number }
  | { kind: 'llc_aligned' }
  | { kind: 'cross_cgroup'; cgroup: string }
  | { kind: 'single_cpu' }
  | { kind: 'exact'; cpus: CpusetSpec };

export const affinity = {
  /** No sched_setaffinity: the cgroup's cpuset decides. */
  inherit: (): AffinityIntent => ({ kind: 'inherit' }),
  /** Each worker gets its own random `count` CPUs of the cgroup's CPUs (seeded). */
  randomSubset: (count: number): AffinityIntent => ({ kind: 'random_subset', count }),
  /** Worker i gets every CPU of the i-th LLC (round robin) among the cgroup's CPUs. */
  llcAligned: (): AffinityIntent => ({ kind: 'llc_aligned' }),
  /** Every worker is allowed the CPUs of another cgroup's cpuset (affinity across cgroups). */
  crossCgroup: (cgroup: string): AffinityIntent => ({ kind: 'cross_cgroup', cgroup }),
  /** Worker i is pinned to the i-th CPU (round robin) of the cgroup's CPUs. */
  singleCpu: (): AffinityIntent => ({ kind: 'single_cpu' }),
  /** Every worker gets exactly these CPUs. */
  exact: (cpus: CpusetSpec): AffinityIntent => ({ kind: 'exact', cpus }),
};

/** What resolution produced: one list for every worker, or one list per worker index. */
export type ResolvedAffinity = { all: number[] } | { perWorker: number[][] } | null;

/** mulberry32: small, fast and good enough to spread picks; the same seed gives the same cell. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export interface AffinityContext {
  topology: Topology;
  /** The CPUs the cgroup may use (its cpuset, else every CPU). */
  base: number[];
  workers: number;
  seed: number;
  cgroupName: string;
  /** Resolved cpusets of the other cgroups, for crossCgroup. */
  cpusetOf: (name: string) => number[] | undefined;
}

export function resolveAffinity(intent: AffinityIntent | undefined, ctx: AffinityContext, field: string): ResolvedAffinity {
  if (intent === undefined || intent.kind === 'inherit') return null;
  const n = ctx.workers;
  switch (intent.kind) {
    case 'exact':
      return { all: resolveCpuset(intent.cpus, ctx.topology, `${field}.cpus`) };
    case 'single_cpu':
      return { perWorker: Array.from({ length: n }, (_, i) => [ctx.base[i % ctx.base.length]!]) };
    case 'llc_aligned': {
      const llcs = topologyLayout(ctx.topology).llcCpus.map((l) => l.filter((c) => ctx.base.includes(c))).filter((l) => l.length > 0);
      return { perWorker: Array.from({ length: n }, (_, i) => llcs[i % llcs.length]!) };
    }
    case 'random_subset': {
      if (!Number.isInteger(intent.count) || intent.count < 1 || intent.count > ctx.base.length) {
        throw new KtstrError(`${field}.count`, intent.count, `must be from 1 to the cgroup's ${ctx.base.length} CPUs`, 'Pick fewer CPUs, or widen the cgroup\'s cpuset.');
      }
      const rnd = seededRandom(ctx.seed ^ hashString(ctx.cgroupName));
      return {
        perWorker: Array.from({ length: n }, () => {
          const pool = [...ctx.base];
          for (let i = pool.length - 1; i > 0; i--) {
            const j = Math.floor(rnd() * (i + 1));
            [pool[i], pool[j]] = [pool[j]!, pool[i]!];
          }
          return pool.slice(0, intent.count).sort((a, b) => a - b);
        }),
      };
    }
    case 'cross_cgroup': {
      const cpus = ctx.cpusetOf(intent.cgroup);
      if (!cpus) {
        throw new KtstrError(`${field}.cgroup`, intent.cgroup, 'is not a cgroup with a cpuset in this scenario', 'Name a defined cgroup that has a cpuset.');
      }
      return { all: cpus };
    }
    default:
      throw new KtstrError(field, intent, 'is not an affinity intent', 'Use affinity.inherit(), .singleCpu(), .llcAligned(), .randomSubset(n), .crossCgroup(name) or .exact(cpuset).');
  }
}
