/**
 * The CPU budget of a run (`--cpu-cap N`, KTSTR_CPU_CAP): exactly N host CPUs, chosen by walking
 * whole LLCs so a VM's threads share as few caches and NUMA nodes with other work as possible.
 *
 * Order: NUMA nodes with the most usable CPUs first (a budget that fits in one node stays in
 * one node), within a node the LLCs with the most usable CPUs first (whole LLCs before
 * fragments), and the last LLC taken in part so the plan has exactly N CPUs. Only CPUs in the
 * process's affinity mask and not excluded by `busy` (held by another ktstr run) are usable.
 * Pure: the flocks that make the plan stick live in core/src/locks/cpu-reservation.ts.
 */
import { KtstrError } from '../errors.js';
import type { HostLlc, HostTopology } from './host-topology.js';

/** Share of the allowed CPUs a run takes when no cap is given (at least one CPU). */
export const DEFAULT_CPU_SHARE = 0.3;

export interface CpuPlan {
  cpus: number[];
  /** LLCs the plan touches, with whether the plan takes the whole LLC. */
  llcs: { llc: HostLlc; whole: boolean }[];
  nodes: number[];
}

export function defaultCpuCap(host: HostTopology): number {
  return Math.max(1, Math.floor(host.allowedCpus.length * DEFAULT_CPU_SHARE));
}

/** The cap from `--cpu-cap`, else KTSTR_CPU_CAP, else the default share; validated against the host. */
export function resolveCpuCap(host: HostTopology, flag: string | number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const [raw, field] = flag !== undefined ? [flag, '--cpu-cap'] : [env.KTSTR_CPU_CAP, 'KTSTR_CPU_CAP'];
  if (raw === undefined || raw === '') return defaultCpuCap(host);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new KtstrError(field, raw, 'must be a whole number of CPUs >= 1', `E.g. ${field === '--cpu-cap' ? '--cpu-cap 2' : 'KTSTR_CPU_CAP=2'}.`);
  }
  if (n > host.allowedCpus.length) {
    throw new KtstrError(field, n, `is more than the ${host.allowedCpus.length} CPU(s) this process may use`,
      `Use at most ${host.allowedCpus.length}, or widen the process's affinity (taskset).`);
  }
  return n;
}

/** Plans `n` CPUs; undefined when fewer than `n` are usable right now. */
export function planCpus(host: HostTopology, n: number, busy: ReadonlySet<number> = new Set()): CpuPlan | undefined {
  const allowed = new Set(host.allowedCpus);
  const usable = (llc: HostLlc) => llc.cpus.filter((c) => allowed.has(c) && !busy.has(c));
  const nodeIds = [...new Set(host.llcs.map((l) => l.node))];
  const nodeFree = (node: number) => host.llcs.filter((l) => l.node === node).reduce((s, l) => s + usable(l).length, 0);
  const nodesOrdered = nodeIds.sort((a, b) => nodeFree(b) - nodeFree(a) || a - b);
  const cpus: number[] = [];
  const llcs: CpuPlan['llcs'] = [];
  const nodes: number[] = [];
  for (const node of nodesOrdered) {
    const inNode = host.llcs.filter((l) => l.node === node).sort((a, b) => usable(b).length - usable(a).length || a.id - b.id);
    for (const llc of inNode) {
      if (cpus.length === n) break;
      const free = usable(llc);
      if (free.length === 0) continue;
      const take = free.slice(0, n - cpus.length);
      cpus.push(...take);
      llcs.push({ llc, whole: take.length === llc.cpus.length });
      if (!nodes.includes(node)) nodes.push(node);
    }
  }
  if (cpus.length < n) return undefined;
  return { cpus: cpus.sort((a, b) => a - b), llcs, nodes };
}
