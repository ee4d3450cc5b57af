/**
 * A cpuset spec as the call that built it (`llc(1)`, `disjoint(0, 2)`), so an assertion's
 * failure shows what the test wrote next to the CPUs it stood for on the cell's topology.
 */
import type { CpusetSpec } from '../scenario/cpuset.js';

export function cpusetLabel(spec: CpusetSpec): string {
  switch (spec.kind) {
    case 'llc':
    case 'node':
      return `${spec.kind}(${spec.index})`;
    case 'disjoint':
      return `disjoint(${spec.index}, ${spec.of})`;
    case 'overlapping':
      return `overlapping(${spec.index}, ${spec.of}, ${spec.overlap})`;
    case 'range':
      return `range(${spec.start}, ${spec.end})`;
    case 'exact':
      return `exact([${spec.cpus.join(', ')}])`;
    default:
      return JSON.stringify(spec);
  }
}
