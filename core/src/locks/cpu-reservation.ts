/**
 * Holding a CPU budget across concurrent ktstr processes: one exclusive flock per reserved CPU
 * (`locks/cpu/cpu-N.lock`) and one per LLC touched (`locks/llc/llc-N.lock`: exclusive when the
 * whole LLC is taken, shared when only part of it is, so `ktstr locks` shows who sits on which
 * cache). A run whose CPUs are all taken waits, saying by whom; flocks die with their process,
 * so a killed run frees its CPUs at once.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { locksDir } from '../paths.js';
import { type CpuPlan, planCpus } from '../host/cpu-budget.js';
import type { HostTopology } from '../host/host-topology.js';
import { acquireLock, LockBusyError, type LockHandle } from './lock.js';
import { describeHolder } from './holder.js';

export interface CpuReservation {
  plan: CpuPlan;
  release(): void;
}

export const cpuLockPath = (cpu: number, dir = locksDir()): string => join(dir, 'cpu', `cpu-${cpu}.lock`);
export const llcLockPath = (llc: number, dir = locksDir()): string => join(dir, 'llc', `llc-${llc}.lock`);

export interface ReserveOptions {
  purpose: string;
  /** Told once per change of who is in the way. */
  onWait?: (message: string) => void;
  /** Give up after this long (ms). Default: wait as long as it takes. */
  timeoutMs?: number;
  locksDir?: string;
  signal?: AbortSignal;
}

/** Reserves `n` CPUs of `host`, waiting while other ktstr runs hold too many of them. */
export async function reserveCpus(host: HostTopology, n: number, options: ReserveOptions): Promise<CpuReservation> {
  const dir = options.locksDir ?? locksDir();
  const started = Date.now();
  let lastMessage = '';
  for (;;) {
    options.signal?.throwIfAborted();
    const held: LockHandle[] = [];
    const busy = new Set<number>();
    const blockers: string[] = [];
    // Take free CPUs in plan order; a busy CPU is replanned around until too few remain.
    let plan = planCpus(host, n, busy);
    while (plan) {
      const missing = plan.cpus.filter((c) => !held.some((h) => h.path === cpuLockPath(c, dir)));
      let progressed = true;
      for (const cpu of missing) {
        try {
          held.push(await acquireLock(cpuLockPath(cpu, dir), { mode: 'exclusive', wait: false, purpose: `${options.purpose}: cpu ${cpu}` }));
        } catch (e) {
          if (!(e instanceof LockBusyError)) throw e;
          busy.add(cpu);
          blockers.push(...e.holders.map(describeHolder));
          progressed = false;
        }
      }
      if (progressed) break;
      // Give back the CPUs the new plan no longer uses.
      plan = planCpus(host, n, busy);
      for (const h of [...held]) {
        const cpu = Number(/cpu-(\d+)\.lock$/.exec(h.path)![1]);
        if (!plan?.cpus.includes(cpu)) {
          h.release();
          held.splice(held.indexOf(h), 1);
        }
      }
    }
    if (plan) {
      try {
        for (const { llc, whole } of plan.llcs) {
          held.push(await acquireLock(llcLockPath(llc.id, dir), {
            mode: whole ? 'exclusive' : 'shared', wait: true, timeoutMs: 5_000, purpose: `${options.purpose}: llc ${llc.id}`,
          }));
        }
        const finalPlan = plan;
        return { plan: finalPlan, release: () => held.forEach((h) => h.release()) };
      } catch (e) {
        if (!(e instanceof LockBusyError)) throw e;
      }
    }
    held.forEach((h) => h.release());
    const message = `waiting for ${n} free CPU(s); held by ${[...new Set(blockers)].join('; ') || 'another ktstr run'}`;
    if (message !== lastMessage) {
      lastMessage = message;
      options.onWait?.(message);
    }
    if (options.timeoutMs !== undefined && Date.now() - started > options.timeoutMs) {
      throw new LockBusyError(cpuLockPath(host.allowedCpus[0] ?? 0, dir), 'exclusive', [], {
        problem: `could not reserve ${n} CPU(s) within ${options.timeoutMs} ms: ${message}`,
        remedy: 'Lower --cpu-cap, wait for the other run, or see `ktstr locks`.',
      });
    }
    await sleep(250, undefined, options.signal ? { signal: options.signal } : undefined);
  }
}
