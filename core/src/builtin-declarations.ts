/**
 * Core's own declarations as static data, for tools that read test files without running them.
 *
 * `SCX_KTSTR` (fixture.ts) is built at import time from a path inside the installed native
 * package, so a reader of source text cannot evaluate it: it lives outside the user's workspace
 * and its binary is computed at run time. The language server looks imports of these names from
 * '@ktstr/core' up here instead, so tests using them get their cells and gate checks like tests
 * using the user's own declarations. Kept in sync with fixture.ts by builtin-declarations.test.ts.
 *
 * Pure data: no imports with side effects, nothing resolved on disk.
 */
import type { Topology } from './topology/topology.js';

/** What static analysis needs of a built-in `declareScheduler(...)` value. */
export interface BuiltinScheduler {
  /** The scheduler's name, as cells carry it. */
  readonly name: string;
  /** The file name of its binary in core's fixture directory; the full path is known at run time. */
  readonly binaryFile: string;
  readonly topology: Topology | undefined;
  readonly schedArgs: readonly string[];
  readonly attachTimeoutMs: number;
  readonly hasConfigFile: boolean;
}

/** The module specifier the names below are exported from. */
export const BUILTIN_MODULE = '@ktstr/core';

/** Exported name -> declaration. */
export const BUILTIN_SCHEDULERS: Readonly<Record<string, BuiltinScheduler>> = Object.freeze({
  SCX_KTSTR: Object.freeze({
    name: 'scx-ktstr',
    binaryFile: 'scx-ktstr',
    topology: Object.freeze({ numaNodes: 1, llcs: 2, coresPerLlc: 2, threadsPerCore: 1 }),
    schedArgs: Object.freeze([]),
    attachTimeoutMs: 60_000,
    hasConfigFile: false,
  }),
});
