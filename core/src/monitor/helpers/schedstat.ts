/**
 * Scheduler statistics of a runqueue: what /proc/schedstat prints on its `cpuN` line, read from
 * struct rq. The counters exist only in kernels built with CONFIG_SCHEDSTATS (absent otherwise,
 * and each field then says so); most of them count only while the `sched_schedstats` static key
 * is on (sysctl kernel.sched_schedstats), so `enabled` is reported with them: counters that stay
 * still with it off are not a stalled scheduler. run_delay and pcount come from sched_info, kept
 * whenever CONFIG_SCHED_INFO is.
 */
import type { KernelProgram } from '../program.js';
import type { Scalar } from '../object.js';
import { Unavailable } from '../unavailable.js';
import { runqueue } from './rq.js';

export interface Schedstat {
  cpu: number;
  /** Whether the kernel is counting (the sched_schedstats static key). */
  enabled: boolean | Unavailable;
  /** rq.rq_sched_info.run_delay: ns tasks spent runnable but waiting on this CPU. */
  runDelay: bigint | Unavailable;
  /** rq.rq_sched_info.pcount: tasks that got to run on this CPU. */
  pcount: bigint | Unavailable;
  /** rq.rq_cpu_time: ns spent running tasks. */
  rqCpuTime: bigint | Unavailable;
  yldCount: number | Unavailable;
  schedCount: number | Unavailable;
  schedGoidle: number | Unavailable;
  ttwuCount: number | Unavailable;
  ttwuLocal: number | Unavailable;
}

const MEMBERS = {
  runDelay: 'rq_sched_info.run_delay',
  pcount: 'rq_sched_info.pcount',
  rqCpuTime: 'rq_cpu_time',
  yldCount: 'yld_count',
  schedCount: 'sched_count',
  schedGoidle: 'sched_goidle',
  ttwuCount: 'ttwu_count',
  ttwuLocal: 'ttwu_local',
} as const;

export function readSchedstat(prog: KernelProgram, cpu: number): Schedstat {
  const rq = runqueue(prog, cpu);
  const read = (path: string): Scalar | Unavailable => {
    if (rq instanceof Unavailable) return rq;
    if (!rq.has(path)) return new Unavailable(`struct rq has no ${path} (a kernel without CONFIG_SCHEDSTATS/CONFIG_SCHED_INFO)`);
    return rq.readMember(path);
  };
  const big = (path: string) => {
    const v = read(path);
    return typeof v === 'number' ? BigInt(v) : v;
  };
  const num = (path: string) => {
    const v = read(path);
    return typeof v === 'bigint' ? Number(v) : v;
  };
  return {
    cpu,
    enabled: schedstatsEnabled(prog),
    runDelay: big(MEMBERS.runDelay),
    pcount: big(MEMBERS.pcount),
    rqCpuTime: big(MEMBERS.rqCpuTime),
    yldCount: num(MEMBERS.yldCount),
    schedCount: num(MEMBERS.schedCount),
    schedGoidle: num(MEMBERS.schedGoidle),
    ttwuCount: num(MEMBERS.ttwuCount),
    ttwuLocal: num(MEMBERS.ttwuLocal),
  };
}

/** The sched_schedstats static key (struct static_key_false: key.enabled.counter > 0). */
export function schedstatsEnabled(prog: KernelProgram): boolean | Unavailable {
  const key = prog.object('sched_schedstats', 'struct static_key_false');
  if (key instanceof Unavailable) return key;
  const v = key.readMember('key.enabled.counter');
  return v instanceof Unavailable ? v : Number(v) > 0;
}

/** One `cpuN` line of /proc/schedstat (version 15 and later). */
export interface ProcSchedstatCpu {
  cpu: number;
  yldCount: number;
  schedCount: number;
  schedGoidle: number;
  ttwuCount: number;
  ttwuLocal: number;
  rqCpuTime: bigint;
  runDelay: bigint;
  pcount: bigint;
  domains: { index: number; name: string | undefined; mask: string }[];
}

/**
 * Parses /proc/schedstat as the guest prints it: `cpuN yld 0 sched goidle ttwu ttwu_local
 * cpu_time run_delay pcount`, then that CPU's `domainN [name] mask ...` lines (the name since
 * version 17).
 */
export function parseProcSchedstat(text: string): { version: number; cpus: ProcSchedstatCpu[] } {
  let version = 0;
  const cpus: ProcSchedstatCpu[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'version') version = Number(f[1]);
    else if (/^cpu\d+$/.test(f[0] ?? '')) {
      cpus.push({
        cpu: Number(f[0]!.slice(3)),
        yldCount: Number(f[1]),
        schedCount: Number(f[3]),
        schedGoidle: Number(f[4]),
        ttwuCount: Number(f[5]),
        ttwuLocal: Number(f[6]),
        rqCpuTime: BigInt(f[7]!),
        runDelay: BigInt(f[8]!),
        pcount: BigInt(f[9]!),
        domains: [],
      });
    } else if (/^domain\d+$/.test(f[0] ?? '') && cpus.length > 0) {
      const named = version >= 17;
      cpus.at(-1)!.domains.push({ index: Number(f[0]!.slice(6)), name: named ? f[1] : undefined, mask: named ? f[2]! : f[1]! });
    }
  }
  return { version, cpus };
}
