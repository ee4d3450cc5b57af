/**
 * What a cell covers, as a set of feature keys the budget selection counts: the scheduler, the
 * topology class, the scenario (the test), the kernel, and their pairs that matter
 * (scheduler x class, scenario x class, scheduler x kernel). A cell adds coverage when it brings
 * a key no selected cell has.
 *
 * Topology classes group presets by what a scheduler can tell apart: NUMA or not, one LLC or
 * several, SMT or not, and size (small <= 8 CPUs, medium <= 32, large above).
 */
import { type Topology, totalCpus } from '../topology/topology.js';

export function topologyClass(t: Topology): string {
  const cpus = totalCpus(t);
  const size = cpus <= 8 ? 'small' : cpus <= 32 ? 'medium' : 'large';
  return [
    t.numaNodes > 1 ? 'numa' : 'uma',
    t.llcs > 1 ? 'multi-llc' : 'single-llc',
    t.threadsPerCore > 1 ? 'smt' : 'nosmt',
    size,
  ].join('/');
}

export function cellFeatures(cell: { test: string; scheduler: string; topology: Topology; kernel: string }): string[] {
  const cls = topologyClass(cell.topology);
  return [
    `scheduler:${cell.scheduler}`,
    `class:${cls}`,
    `scenario:${cell.test}`,
    `kernel:${cell.kernel}`,
    `scheduler x class:${cell.scheduler} ${cls}`,
    `scenario x class:${cell.test} ${cls}`,
    `scheduler x kernel:${cell.scheduler} ${cell.kernel}`,
  ];
}
