/**
 * The cast analysis of a scheduler binary, run once per content: keyed by the SHA-256 of the
 * file's bytes, so the cells of a gauntlet that load the same scheduler share one analysis, and
 * a rebuilt binary at the same path is analysed afresh. The analysis is pure (bytes in, casts
 * out), so remembering it for the life of the process is safe.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BtfError } from '../btf/btf-error.js';
import { embeddedBpfObjects } from '../../verifier/bpf-object.js';
import { analyzeBpfObject, type CastAnalysis } from './analyze.js';

const byHash = new Map<string, (CastAnalysis | BtfError)[]>();

/** The analysis of each BPF object the binary (a skeleton loader, or a .bpf.o) embeds, in file order. */
export function schedulerCasts(path: string): { hash: string; analyses: (CastAnalysis | BtfError)[]; cached: boolean } {
  const bytes = readFileSync(path);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const hit = byHash.get(hash);
  if (hit !== undefined) return { hash, analyses: hit, cached: true };
  const analyses = embeddedBpfObjects(bytes).map((o) => analyzeBpfObject(o, path));
  byHash.set(hash, analyses);
  return { hash, analyses, cached: false };
}
