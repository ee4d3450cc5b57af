/**
 * Confining a kernel build to the CPUs ktstr reserved for it (`--cpu-cap N`): a cpuset cgroup
 * holding exactly those CPUs, so make's N jobs and every compiler they start stay there, and
 * other work on the machine keeps the rest.
 *
 * cgroup v2 is used when its hierarchy offers the cpuset controller. A host whose cpuset
 * controller is bound to a cgroup v1 hierarchy (hybrid mounts, as some container hosts still
 * have) gets a v1 cpuset instead; a host with neither gets CPU affinity (taskset), which
 * children inherit too but which a child may widen. Whichever is used is logged.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type CpusetKind = 'cgroup2' | 'cgroup1' | 'affinity';

export interface CpusetMount {
  kind: 'cgroup2' | 'cgroup1';
  path: string;
}

/**
 * Where a cpuset controller is mounted, from /proc/self/mountinfo: a cgroup2 mount whose
 * cgroup.controllers lists cpuset first, else a v1 mount with the cpuset option. Pure but for
 * `controllersOf`, which reads a cgroup2 mount's controller list.
 */
export function findCpusetMount(mountinfo: string, controllersOf: (path: string) => string | undefined): CpusetMount | undefined {
  let v1: CpusetMount | undefined;
  for (const line of mountinfo.split('\n')) {
    // "<id> <parent> <maj:min> <root> <mount point> <opts> [optional...] - <fstype> <source> <super opts>"
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const mountPoint = left.split(' ')[4];
    const [fstype, , superOpts = ''] = right.split(' ');
    if (!mountPoint) continue;
    if (fstype === 'cgroup2' && (controllersOf(mountPoint) ?? '').split(/\s+/).includes('cpuset')) return { kind: 'cgroup2', path: mountPoint };
    if (fstype === 'cgroup' && superOpts.split(',').includes('cpuset') && !v1) v1 = { kind: 'cgroup1', path: mountPoint };
  }
  return v1;
}

/** `0-3,8` style list of CPU numbers. */
export function cpuListString(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export interface BuildCpuset {
  kind: CpusetKind;
  /** The cgroup directory; absent for affinity. */
  path?: string;
  cpus: number[];
  /** The command line that runs `argv` inside the cpuset at `nice` priority. */
  wrap(argv: readonly string[], nice: number): string[];
  /** Removes the cgroup (call once every process in it has exited). */
  remove(): void;
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * A cpuset holding `cpus`, named after this process. Falls back (logged, with the reason) to CPU
 * affinity when no cpuset controller is usable: the build still runs on the reserved CPUs.
 */
export function createBuildCpuset(cpus: readonly number[], log: (line: string) => void, mountinfo = readOr('/proc/self/mountinfo') ?? ''): BuildCpuset {
  const list = cpuListString(cpus);
  const affinity = (why: string): BuildCpuset => {
    log(`cpuset: ${why}; confining the build with CPU affinity (taskset -c ${list}) instead`);
    return {
      kind: 'affinity', cpus: [...cpus],
      wrap: (argv, nice) => ['taskset', '-c', list, 'nice', '-n', String(nice), ...argv],
      remove: () => {},
    };
  };
  const mount = findCpusetMount(mountinfo, (p) => readOr(join(p, 'cgroup.controllers')));
  if (!mount) return affinity('no cgroup hierarchy offers the cpuset controller');
  const path = join(mount.path, `ktstr-kernel-build-${process.pid}`);
  try {
    if (mount.kind === 'cgroup2') {
      // The root's subtree_control must pass cpuset down; writing it again is harmless.
      const control = join(mount.path, 'cgroup.subtree_control');
      if (!(readOr(control) ?? '').split(/\s+/).includes('cpuset')) writeFileSync(control, '+cpuset');
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, 'cpuset.cpus'), list);
    } else {
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, 'cpuset.cpus'), list);
      // v1 refuses tasks until the memory nodes are set too: take the parent's.
      writeFileSync(join(path, 'cpuset.mems'), (readOr(join(mount.path, 'cpuset.mems')) ?? '0').trim());
    }
  } catch (e) {
    try {
      if (existsSync(path)) rmdirSync(path);
    } catch { /* nothing was put in it */ }
    return affinity(`cannot make a ${mount.kind} cpuset under ${mount.path} (${(e as Error).message})`);
  }
  log(`cpuset: ${mount.kind} ${path} holds CPU(s) ${list}`);
  return {
    kind: mount.kind, path, cpus: [...cpus],
    // The shell moves itself into the cgroup, then becomes make: every child starts inside.
    wrap: (argv, nice) => ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', path, 'nice', '-n', String(nice), ...argv],
    remove: () => {
      try {
        rmdirSync(path);
      } catch (e) {
        log(`cpuset: could not remove ${path} (${(e as Error).message}); remove it by hand once it is empty`);
      }
    },
  };
}
