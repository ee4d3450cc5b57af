/** Analysis results as the plain JSON arguments of the lens commands (see commands.ts). */
import { type GauntletCell, topologyLabel } from '@ktstr/core';
import type { TestSummary } from '../analysis/types.js';
import type { CellArg, TestArgs } from './commands.js';

export function cellArg(c: GauntletCell): CellArg {
  return { name: c.name, preset: c.preset, topology: topologyLabel(c.topology), kernel: c.kernel, home: c.home };
}

export function testArgs(t: TestSummary): TestArgs {
  return {
    file: t.path,
    test: t.name,
    line: t.range.start.line,
    cells: t.cells.map(cellArg),
    unresolved: t.unresolved,
    scheduler: t.scheduler ? { name: t.scheduler.name, binary: t.scheduler.binary, schedArgs: t.scheduler.schedArgs } : undefined,
  };
}
