/**
 * Pins this process to its CPU budget once, before its first VM starts, and keeps the
 * reservation until the process exits. QEMU is spawned from the main thread, and a child
 * inherits its parent thread's affinity, so every VM this process starts runs on the reserved
 * CPUs without touching QEMU's threads one by one.
 *
 * Active when KTSTR_CPU_CAP is set (`ktstr test` always sets it); a plain `node --test` run
 * without it keeps the old behaviour of no reservation.
 */
import { getAffinity, setAffinity } from '@ktstr/native';
import { readHostTopology } from './host-topology.js';
import { resolveCpuCap, type CpuPlan } from './cpu-budget.js';
import { reserveCpus } from '../locks/cpu-reservation.js';
import { formatCpulist } from '../topology/cpulist.js';

let pinned: Promise<CpuPlan | undefined> | undefined;

export function pinToCpuBudget(log: (line: string) => void): Promise<CpuPlan | undefined> {
  pinned ??= (async () => {
    if (!process.env.KTSTR_CPU_CAP) return undefined;
    const host = readHostTopology('/sys', getAffinity(0));
    const n = resolveCpuCap(host, undefined);
    const r = await reserveCpus(host, n, { purpose: `cpu budget of pid ${process.pid}`, onWait: log });
    process.once('exit', () => r.release());
    setAffinity(0, r.plan.cpus);
    log(`pinned to CPU(s) ${formatCpulist(r.plan.cpus)} (--cpu-cap ${n})`);
    return r.plan;
  })();
  return pinned;
}
