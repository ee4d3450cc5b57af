/**
 * A run's CPU budget, split between the observed and the observer. The VMs (QEMU and its
 * threads) run on the CPUs this process reserved; this process itself — the test bodies, the
 * channel, the monitor's sampling loop, result analysis — runs on the host's *other* CPUs. The
 * monitor reads guest memory every few milliseconds; on the VM's own CPU each read would be
 * taken from the guest (measured in bench/monitor.ts: a 100 Hz loop beside the VM slowed its
 * guest by several per cent, off it by nothing measurable), which is the perturbation reading
 * from the host is meant to avoid.
 *
 * The reservation is made once, before this process's first VM, and kept until it exits. QEMU
 * is started through `taskset` with `vmCpus()` (vm/qemu-backend.ts), so every VM, spare or not,
 * lands on the reservation regardless of where the process runs. When the reservation covers
 * every CPU the process may use there is nowhere else to go, and the process stays on it.
 *
 * Active when KTSTR_CPU_CAP is set (`ktstr test` always sets it); a plain `node --test` run
 * without it keeps no reservation and pins nothing.
 */
import { getAffinity, setAffinity } from '@ktstr/native';
import { readHostTopology } from './host-topology.js';
import { resolveCpuCap, type CpuPlan } from './cpu-budget.js';
import { reserveCpus } from '../locks/cpu-reservation.js';
import { formatCpulist } from '../topology/cpulist.js';

let pinned: Promise<CpuPlan | undefined> | undefined;
let reserved: number[] | undefined;

/** The CPUs this process's VMs run on, once the budget is reserved; undefined without one. */
export function vmCpus(): number[] | undefined {
  return reserved;
}

/** Where the observer runs: the allowed CPUs outside the VMs' reservation, or all of them when none are left. */
export function observerCpus(allowed: readonly number[], vm: readonly number[]): number[] {
  const rest = allowed.filter((c) => !vm.includes(c));
  return rest.length > 0 ? rest : [...allowed];
}

export function pinToCpuBudget(log: (line: string) => void): Promise<CpuPlan | undefined> {
  pinned ??= (async () => {
    if (!process.env.KTSTR_CPU_CAP) return undefined;
    const allowed = getAffinity(0);
    const host = readHostTopology('/sys', allowed);
    const n = resolveCpuCap(host, undefined);
    const r = await reserveCpus(host, n, { purpose: `cpu budget of pid ${process.pid}`, onWait: log });
    process.once('exit', () => r.release());
    reserved = r.plan.cpus;
    // Only the calling (main) thread moves; threads started later (workers, libuv's pool)
    // inherit its mask, and the few started before carry no measurement-time work.
    const observer = observerCpus(allowed, r.plan.cpus);
    setAffinity(0, observer);
    log(`VMs pinned to CPU(s) ${formatCpulist(r.plan.cpus)} (--cpu-cap ${n}); this process runs on ${formatCpulist(observer)}`);
    return r.plan;
  })();
  return pinned;
}
