/**
 * The host's CPU topology as sysfs tells it: online CPUs, which of them this process may use
 * (its affinity mask), NUMA nodes and last-level caches. The CPU budget (`--cpu-cap`), the
 * host-capability check of cells and `ktstr show-host` all read it from here.
 *
 * `root` points at a copy of /sys for tests. Some hosts (many VMs) expose no cache directories;
 * then each physical package counts as one LLC, and `llcSource` says so.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCpulist } from '../topology/cpulist.js';

export interface HostLlc {
  /** Index in `llcs`, in order of first CPU. */
  id: number;
  cpus: number[];
  /** The NUMA node of its first CPU. */
  node: number;
}

export interface HostTopology {
  onlineCpus: number[];
  /** Online CPUs this process may run on. */
  allowedCpus: number[];
  numaNodes: { id: number; cpus: number[] }[];
  llcs: HostLlc[];
  /** Where the LLC grouping came from. */
  llcSource: 'cache/index3' | 'highest cache level' | 'physical package';
  /** CPUs per core, from thread_siblings_list of the first CPU. */
  threadsPerCore: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The highest-level unified/data cache's shared CPU list of `cpu`, if sysfs has caches. */
function llcCpusOf(cpuDir: string): { cpus: number[]; level: number } | undefined {
  const cacheDir = join(cpuDir, 'cache');
  if (!existsSync(cacheDir)) return undefined;
  let best: { cpus: number[]; level: number } | undefined;
  for (const name of readdirSync(cacheDir)) {
    if (!name.startsWith('index')) continue;
    const type = read(join(cacheDir, name, 'type'));
    if (type === 'Instruction') continue;
    const level = Number(read(join(cacheDir, name, 'level')) ?? 0);
    const list = read(join(cacheDir, name, 'shared_cpu_list'));
    if (!list || (best && best.level >= level)) continue;
    best = { cpus: parseCpulist(list), level };
  }
  return best;
}

export function readHostTopology(root = '/sys', allowed: readonly number[] | undefined = undefined): HostTopology {
  const cpuRoot = join(root, 'devices/system/cpu');
  const onlineCpus = parseCpulist(read(join(cpuRoot, 'online')) ?? '0');
  const allowedSet = new Set(allowed ?? onlineCpus);
  const allowedCpus = onlineCpus.filter((c) => allowedSet.has(c));

  const nodeRoot = join(root, 'devices/system/node');
  const numaNodes: { id: number; cpus: number[] }[] = [];
  if (existsSync(nodeRoot)) {
    for (const name of readdirSync(nodeRoot)) {
      const m = /^node(\d+)$/.exec(name);
      if (!m) continue;
      const cpus = parseCpulist(read(join(nodeRoot, name, 'cpulist')) ?? '');
      if (cpus.length > 0) numaNodes.push({ id: Number(m[1]), cpus });
    }
  }
  if (numaNodes.length === 0) numaNodes.push({ id: 0, cpus: onlineCpus });
  numaNodes.sort((a, b) => a.id - b.id);
  const nodeOf = (cpu: number) => numaNodes.find((n) => n.cpus.includes(cpu))?.id ?? 0;

  const groups = new Map<string, number[]>();
  let llcSource: HostTopology['llcSource'] = 'cache/index3';
  for (const cpu of onlineCpus) {
    const dir = join(cpuRoot, `cpu${cpu}`);
    const llc = llcCpusOf(dir);
    let key: string;
    if (llc) {
      if (llc.level !== 3) llcSource = 'highest cache level';
      key = llc.cpus.join(',');
    } else {
      llcSource = 'physical package';
      key = `pkg${read(join(dir, 'topology/physical_package_id')) ?? '0'}`;
    }
    const g = groups.get(key) ?? [];
    g.push(cpu);
    groups.set(key, g);
  }
  const llcs = [...groups.values()]
    .sort((a, b) => a[0]! - b[0]!)
    .map((cpus, id) => ({ id, cpus, node: nodeOf(cpus[0]!) }));
  const siblings = read(join(cpuRoot, `cpu${onlineCpus[0] ?? 0}`, 'topology/thread_siblings_list'));
  return { onlineCpus, allowedCpus, numaNodes, llcs, llcSource, threadsPerCore: siblings ? parseCpulist(siblings).length : 1 };
}
