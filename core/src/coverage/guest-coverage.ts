/**
 * What a cell does differently under `ktstr coverage`, seen from the test process: the CLI sets
 * KTSTR_COVERAGE_DIR for the test processes, and each cell then
 *   1. loads the coverage build of its scheduler (`coverageBinary`, or `scx-ktstr-cov` for the
 *      fixture scheduler) instead of the normal one,
 *   2. asks the agent to run it with GCOV_PREFIX=/ktstr/coverage (GCOV_PREFIX_STRIP=0, so the
 *      .gcda keeps its build path below it, which is how gcov-lcov.ts finds the .gcno) and to
 *      send back the files under /ktstr/coverage after the scheduler exited (`collect`),
 *   3. saves those files under KTSTR_COVERAGE_DIR/guest/<cell>/ for the CLI to convert.
 * Outside a coverage run every function here is the identity or does nothing.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { nativeArtifacts } from '@ktstr/native';
import { KtstrError } from '../errors.js';
import type { SchedulerDecl } from '../api/declare-scheduler.js';
import type { FileMessage, GuestMessage } from '../channel/messages.js';

export const COVERAGE_DIR_ENV = 'KTSTR_COVERAGE_DIR';
/** Where the scheduler's .gcda files go in the guest. */
export const GUEST_COVERAGE_DIR = '/ktstr/coverage';

/** The run's coverage directory when this process runs under `ktstr coverage`. */
export function coverageDir(): string | undefined {
  return process.env[COVERAGE_DIR_ENV] || undefined;
}

/** `scx-ktstr-cov` beside the fixture scheduler: the gcov build of its loader. */
export function fixtureCoverageBinary(): string {
  return `${nativeArtifacts.fixtureScheduler}-cov`;
}

/**
 * The scheduler binary a cell loads: under a coverage run, the declaration's `coverageBinary`,
 * or for the fixture scheduler its coverage build; otherwise (and for schedulers without a
 * coverage build, whose loader then simply contributes no guest coverage) `resolved` itself.
 */
export function schedulerBinaryForRun(decl: SchedulerDecl, resolved: string): string {
  if (!coverageDir()) return resolved;
  const where = `declareScheduler(${JSON.stringify(decl.name)}).coverageBinary`;
  const wanted = decl.coverageBinary ?? (resolved === nativeArtifacts.fixtureScheduler ? fixtureCoverageBinary() : undefined);
  if (wanted === undefined) return resolved;
  if (!existsSync(wanted)) {
    throw new KtstrError(where, wanted, 'does not exist',
      wanted === fixtureCoverageBinary() ? 'Build it: `npx ktstr setup` does (in a clone of ktstr: npm run bootstrap).' : 'Build the scheduler with --coverage first or fix the path.');
  }
  return wanted;
}

/**
 * The cell description with the coverage directives after its version line: the scheduler's
 * gcov environment (only when it has a scheduler) and `collect`.
 */
export function withCoverageDirectives(description: string, hasScheduler: boolean): string {
  if (!coverageDir()) return description;
  const lines = [
    ...(hasScheduler ? [`sched_env GCOV_PREFIX=${GUEST_COVERAGE_DIR}`, 'sched_env GCOV_PREFIX_STRIP=0'] : []),
    `collect ${GUEST_COVERAGE_DIR}`,
  ];
  const nl = description.indexOf('\n');
  return nl < 0 ? `${description}\n${lines.join('\n')}\n` : `${description.slice(0, nl + 1)}${lines.join('\n')}\n${description.slice(nl + 1)}`;
}

let cellsSaved = 0;

/**
 * Saves the `file` messages of a finished cell under <coverage dir>/guest/<cell>/, each at its
 * path below /ktstr/coverage. Returns how many were saved (0 outside a coverage run).
 */
export function saveCollectedFiles(cellName: string, messages: readonly GuestMessage[]): number {
  const root = coverageDir();
  if (!root) return 0;
  const files = messages.filter((m): m is FileMessage => m.type === 'file');
  if (files.length === 0) return 0;
  // Unique per process and cell: the same cell may run in several jobs of a sharded run.
  const cellDir = join(root, 'guest', `${cellName.replace(/[^A-Za-z0-9_.-]+/g, '_')}-${process.pid}-${++cellsSaved}`);
  for (const f of files) {
    const rel = posix.relative(GUEST_COVERAGE_DIR, posix.normalize(f.path));
    if (rel === '' || rel.startsWith('..') || posix.isAbsolute(rel)) continue; // not from the collect dir
    const target = join(cellDir, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, Buffer.from(f.data_b64, 'base64'));
  }
  return files.length;
}
