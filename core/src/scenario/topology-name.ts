/**
 * How errors name a cell's topology: the preset's name when the shape is a preset (what the
 * user typed with --topology), else its label.
 */
import { PRESETS } from '@ktstr/presets';
import { type Topology, topologyLabel } from '../topology/topology.js';

export function topologyName(t: Topology): string {
  const p = PRESETS.find((x) => x.topology.numaNodes === t.numaNodes && x.topology.llcs === t.llcs
    && x.topology.coresPerLlc === t.coresPerLlc && x.topology.threadsPerCore === t.threadsPerCore);
  return p ? p.name : topologyLabel(t);
}
