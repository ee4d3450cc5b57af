/**
 * The end of a `ktstr coverage` run: everything the test processes left in the run's coverage
 * directory (V8 coverage in v8/, the frames of errors that ended test bodies in throws/, the
 * guest's .gcda files in guest/) becomes one lcov tracefile and a per-file summary.
 */
import { join } from 'node:path';
import { gcdaToTracefile } from './gcov-lcov.js';
import { formatLcov, mergeTracefiles, summarizeTracefile, type FileSummary, type Tracefile } from './lcov.js';
import { readThrowSites } from './throw-sites.js';
import { v8CoverageToTracefile } from './v8-lcov.js';

/** NODE_V8_COVERAGE of the test processes. */
export const v8DirOf = (coverageDir: string): string => join(coverageDir, 'v8');
/** Where saveCollectedFiles puts each cell's files. */
export const guestDirOf = (coverageDir: string): string => join(coverageDir, 'guest');

export interface CoverageReport {
  tracefile: Tracefile;
  lcov: string;
  files: (FileSummary & { side: 'host' | 'guest' })[];
  /** .gcda files converted (one per cell that ran an instrumented scheduler to its exit). */
  guestGcdaFiles: number;
  /** Guest coverage that could not be converted, and why. */
  problems: string[];
}

/** `paths` are the test files and directories of the run: only files under them are host coverage. */
export async function buildCoverageReport(coverageDir: string, paths: readonly string[]): Promise<CoverageReport> {
  const host = await v8CoverageToTracefile(v8DirOf(coverageDir), paths, readThrowSites(coverageDir));
  const guest = gcdaToTracefile(guestDirOf(coverageDir));
  const hostFiles = new Set(host.keys());
  const tracefile = mergeTracefiles(mergeTracefiles(new Map(), host), guest.tracefile);
  return {
    tracefile,
    lcov: formatLcov(tracefile),
    files: summarizeTracefile(tracefile).map((f) => ({ ...f, side: hostFiles.has(f.file) ? 'host' as const : 'guest' as const })),
    guestGcdaFiles: guest.gcdaFiles,
    problems: guest.problems,
  };
}
