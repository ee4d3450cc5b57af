/**
 * Reads what the report needs from the run store: the run's table, its records (a failure's
 * detail lines) and each cell's detail file, and the baseline's table (its cells' files are not
 * needed: the comparison reads the table).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunCells, readRunMeta, readRunResults } from '../stats/run-store.js';
import type { ThresholdTable } from '../stats/compare-policy.js';
import { buildReportModel, type ReportModel, type ReportSide } from './report-model.js';

async function sideOf(dir: string): Promise<ReportSide> {
  return { meta: readRunMeta(dir), dir, cells: await readRunCells(dir) };
}

export async function loadReportModel(o: { runDir: string; baselineDir?: string; thresholds: ThresholdTable; now?: Date }): Promise<ReportModel> {
  const run = await sideOf(o.runDir);
  const records = new Map(readRunResults(o.runDir).cells.map((r) => [r.name, r as unknown as Record<string, unknown>]));
  const details = new Map<string, Record<string, unknown>>();
  for (const c of run.cells) {
    const record = records.get(c.name) ?? {};
    const p = c.detail ? join(o.runDir, c.detail) : '';
    try {
      details.set(c.name, { ...record, ...(p && existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown> : {}) });
    } catch {
      // An unreadable detail file costs that cell its charts, not the whole report.
      details.set(c.name, record);
    }
  }
  return buildReportModel({
    run, details, thresholds: o.thresholds, ...(o.now ? { now: o.now } : {}),
    ...(o.baselineDir ? { baseline: await sideOf(o.baselineDir) } : {}),
  });
}
