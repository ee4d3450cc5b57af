/**
 * The cast analysis of a whole BPF object: every function interpreted, the claims folded into
 * casts, and the lookup the renderer needs while it draws a struct: "does this u64 field, at
 * this offset of this struct, hold a pointer the program proved the type of?".
 */
import { readFileSync } from 'node:fs';
import type { Btf } from '../btf/btf.js';
import { BtfError } from '../btf/btf-error.js';
import { embeddedBpfObjects } from '../../verifier/bpf-object.js';
import { type CastConflict, type CastMap, type CastTarget, foldClaims } from './cast-map.js';
import { readBpfObjectCode } from './elf-object.js';
import { type Claim, interpretProgram } from './interpret.js';
import type { MapDecl, ProgramCode } from './program.js';

export class CastAnalysis {
  readonly btf: Btf;
  /** By `${structName}+${offset}`. */
  readonly casts: CastMap;
  /** Fields with claims that disagree (or say "a number"): deliberately left uncast. */
  readonly conflicts: readonly CastConflict[];
  /** Functions that were not analysed to a fixed point, and so contributed nothing. */
  readonly skipped: readonly string[];
  /** The maps the object declares, by the object's names ('running_task', '.bss'): what the renderer matches a kernel map against. */
  readonly maps: readonly string[];
  readonly #byId = new Map<string, CastTarget>();

  constructor(btf: Btf, casts: CastMap, conflicts: readonly CastConflict[], skipped: readonly string[], maps: readonly string[] = []) {
    this.btf = btf;
    this.casts = casts;
    this.conflicts = conflicts;
    this.skipped = skipped;
    this.maps = maps;
    for (const c of casts.values()) this.#byId.set(`${c.struct}:${c.offset}`, c);
  }

  /** The cast of the u64 at byte `offset` of struct (or DATASEC) `structId` in the program's BTF, if proven. */
  castTarget(structId: number, offset: number): CastTarget | undefined {
    return this.#byId.get(`${structId}:${offset}`);
  }
}

/** Analyses functions already decoded (from an object, or assembled by a test). */
export function analyzeCasts(btf: Btf, maps: ReadonlyMap<string, MapDecl> | readonly MapDecl[], programs: readonly ProgramCode[]): CastAnalysis {
  const mapList = [...(maps instanceof Map ? maps.values() : (maps as readonly MapDecl[]))];
  const cx = { btf, maps: new Map(mapList.map((m) => [m.name, m])), mapsByIndex: mapList };
  const claims: Claim[] = [];
  const skipped: string[] = [];
  for (const prog of programs) {
    const result = interpretProgram(prog, cx);
    if (result.converged) claims.push(...result.claims);
    else skipped.push(prog.name);
  }
  const { casts, conflicts } = foldClaims(btf, claims);
  return new CastAnalysis(btf, casts, conflicts, skipped, mapList.map((m) => m.name));
}

/** Analyses one BPF object's bytes. */
export function analyzeBpfObject(obj: Buffer, file?: string): CastAnalysis | BtfError {
  const code = readBpfObjectCode(obj, file);
  if (code instanceof BtfError) return code;
  return analyzeCasts(code.btf, code.maps, code.programs);
}

/** Analyses each BPF object a scheduler binary embeds (or the object file itself), in file order. */
export function analyzeScheduler(path: string): (CastAnalysis | BtfError)[] {
  return embeddedBpfObjects(readFileSync(path)).map((o) => analyzeBpfObject(o, path));
}
