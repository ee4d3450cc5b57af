export { CastAnalysis, analyzeBpfObject, analyzeCasts, analyzeScheduler } from './analyze.js';
export { type CastConflict, type CastEvidence, type CastMap, type CastTarget, structKey } from './cast-map.js';
export { readBpfObjectCode, type BpfObjectCode } from './elf-object.js';
export { type Claim, type ClaimTarget, interpretProgram } from './interpret.js';
export { decodeInsns, encodeInsns, type Insn } from './insn.js';
export type { InsnRef, MapDecl, ProgramCode } from './program.js';
export { schedulerCasts } from './scheduler-casts.js';
