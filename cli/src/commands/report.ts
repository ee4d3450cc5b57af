/**
 * `ktstr report [RUN]`: writes one self-contained HTML page of a stored run (its cells, charts
 * and the comparison with a baseline). Rendering only: the page is assembled in @ktstr/core
 * (core/src/report/, docs/stats.md "Report").
 */
import type { Sade } from 'sade';
import { writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { loadReportModel, reportHtml, resolveRun, resolveThresholds, runsDirFrom } from '@ktstr/core';
import { action, printJson, progress } from '../output.js';

interface ReportFlags {
  baseline?: string;
  output?: string;
  'runs-dir'?: string;
  json?: boolean;
}

export function registerReportCommand(prog: Sade): void {
  prog
    .command('report [run]')
    .describe('Write one self-contained HTML page of a stored run (default: latest): failed cells first, charts per cell, and the comparison with --baseline.')
    .option('--baseline', 'A run to compare against (an id, a path or latest); its regressions are highlighted')
    .option('-o, --output', 'Where to write the page (default: report.html in the run directory)')
    .option('--runs-dir', 'Where the runs are (or KTSTR_RUNS_DIR; default .ktstr/runs)')
    .option('--json', 'Print the page\'s path and a summary as JSON')
    .example('report')
    .example('report latest --baseline 20261201T101500Z-1a2b3c -o report.html')
    .action(action(async (ref: string | undefined, opts: ReportFlags) => {
      const runsDir = runsDirFrom(opts['runs-dir'], process.cwd());
      const runDir = resolveRun(runsDir, ref ?? 'latest');
      const baselineDir = opts.baseline === undefined ? undefined : resolveRun(runsDir, String(opts.baseline));
      const model = await loadReportModel({ runDir, thresholds: resolveThresholds(), ...(baselineDir ? { baselineDir } : {}) });
      const path = resolve(opts.output === undefined ? join(runDir, 'report.html') : String(opts.output));
      writeFileSync(path, reportHtml(model));
      const regressed = model.cells.filter((c) => c.regressed.length > 0).map((c) => c.name);
      if (opts.json) {
        printJson({
          path, run: model.run.id, baseline: model.baseline?.id ?? null,
          cells: model.run.cells, passed: model.run.passed, failed: model.run.failed, skipped: model.run.skipped,
          failedCells: model.cells.filter((c) => c.status === 'failed').map((c) => ({ name: c.name, reason: c.reason })),
          regressions: model.comparison?.regressions ?? null, regressedCells: regressed,
          withMonitor: model.cells.filter((c) => c.monitor).length,
        });
        return;
      }
      process.stdout.write(`${relative(process.cwd(), path) || path}\n`);
      progress(`report of run ${model.run.id}: ${model.run.passed} passed, ${model.run.failed} failed, ${model.run.skipped} skipped`
        + (model.comparison ? `; against ${model.comparison.baseline}: ${model.comparison.regressions} regression(s) in ${regressed.length} cell(s)` : ''));
    }));
}
