/**
 * Topologies as users type them on a command line: `2n4l2c2t`, `1,2,2,1`
 * (nodes, LLCs, cores per LLC, threads per core), or the name of a preset.
 */
import { KtstrError } from '../errors.js';
import { type Topology, validateTopology } from './topology.js';
import { findPreset, presetNames } from '@ktstr/presets';

export function parseTopologyArg(text: string, field = '--topology'): Topology {
  const s = text.trim();
  const short = /^(\d+)n(\d+)l(\d+)c(\d+)t$/.exec(s) ?? /^(\d+),(\d+),(\d+),(\d+)$/.exec(s);
  if (short) {
    const [n, l, c, t] = short.slice(1).map(Number) as [number, number, number, number];
    return validateTopology({ numaNodes: n, llcs: l, coresPerLlc: c, threadsPerCore: t }, field);
  }
  const preset = findPreset(s);
  if (preset) return validateTopology(preset.topology, `${field} (${preset.name})`);
  throw new KtstrError(field, text, 'is not a topology',
    `Write NnLlCcTt (e.g. 1n2l2c1t), N,L,C,T, or a preset name: ${presetNames().join(', ')}.`);
}
