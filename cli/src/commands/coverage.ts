/**
 * `ktstr coverage [paths] --lcov OUT`: runs the cells exactly as `ktstr test` does, with the
 * test processes under NODE_V8_COVERAGE and the schedulers' coverage builds in the guests, then
 * writes one lcov tracefile: the user's test files (host) merged with the scheduler's loader
 * (guest gcov). Conversion and merging are in @ktstr/core (core/src/coverage/).
 */
import type { Sade } from 'sade';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { COVERAGE_DIR_ENV, KtstrError, buildCoverageReport, v8DirOf, type CoverageReport } from '@ktstr/core';
import { action, printJson, progress } from '../output.js';
import { prepareRun, runPlan, withRunOptions, type TestFlags } from './test.js';
import { DEFAULT_TEST_DIRS } from '../test-files.js';

interface CoverageFlags extends TestFlags {
  lcov?: string;
}

function summaryTable(report: CoverageReport): string {
  const rows = report.files.map((f) => ({
    file: relative(process.cwd(), f.file) || f.file,
    side: f.side,
    lines: `${f.linesHit}/${f.linesTotal}`,
    pct: f.linesTotal ? `${((100 * f.linesHit) / f.linesTotal).toFixed(1)}%` : '-',
  }));
  const w = Math.max(4, ...rows.map((r) => r.file.length));
  const lw = Math.max(5, ...rows.map((r) => r.lines.length));
  return [`${'file'.padEnd(w)}  side   ${'lines'.padStart(lw)}  hit`,
    ...rows.map((r) => `${r.file.padEnd(w)}  ${r.side.padEnd(5)}  ${r.lines.padStart(lw)}  ${r.pct.padStart(6)}`)].join('\n') + '\n';
}

export function registerCoverageCommand(prog: Sade): void {
  withRunOptions(prog.command('coverage [paths...]', 'Run tests like `ktstr test` and write lcov of the test files and of the scheduler\'s loader in the guest'))
    .option('--lcov', 'Where to write the merged lcov tracefile (required)')
    .option('--json', 'The results document on stdout, with a `coverage` member (per-file summary)')
    .example('coverage examples --lcov coverage.lcov')
    .example('coverage test/my.test.ts --filter smoke --lcov out/ktstr.lcov --json')
    .action(action(async (first: string | undefined, opts: CoverageFlags & { _: string[] }) => {
      if (typeof opts.lcov !== 'string' || opts.lcov === '') {
        throw new KtstrError('--lcov', opts.lcov, 'is required', 'Say where the tracefile goes, e.g. --lcov coverage.lcov.');
      }
      const lcovPath = resolve(opts.lcov);
      const paths = [first, ...opts._].filter((p): p is string => typeof p === 'string');
      const { run, kernels, jobs, cpuCap } = await prepareRun(paths, opts);
      const dir = mkdtempSync(join(tmpdir(), 'ktstr-coverage-'));
      try {
        const { code, results } = await runPlan(run, kernels, {
          jobs, cpuCap, opts, printResults: false,
          env: { NODE_V8_COVERAGE: v8DirOf(dir), [COVERAGE_DIR_ENV]: dir },
        });
        // Host coverage is of the user's files: those under the paths the run was given.
        const roots = paths.length ? paths : DEFAULT_TEST_DIRS.filter((p) => existsSync(p));
        const report = await buildCoverageReport(dir, roots);
        mkdirSync(dirname(lcovPath), { recursive: true });
        writeFileSync(lcovPath, report.lcov);
        for (const p of report.problems) progress(`guest coverage: ${p}`);
        if (report.guestGcdaFiles === 0) progress('no guest coverage: no cell ran a scheduler with a coverage build to its exit');
        if (opts.json) {
          printJson({ ...results, coverage: { lcov: lcovPath, files: report.files, guestGcdaFiles: report.guestGcdaFiles, problems: report.problems } });
        } else {
          process.stdout.write(summaryTable(report));
        }
        progress(`lcov written to ${lcovPath} (${report.files.length} file(s))`);
        process.exitCode = code;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }));
}
