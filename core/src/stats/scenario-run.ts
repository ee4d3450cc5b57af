/**
 * A `ktstr test --scenario` cell as a stored run, so canned scenarios compare like test cells
 * (`ktstr stats compare` pairs them by scenario name). Its test is the scenario's id, its
 * preset the topology's label: a canned scenario names no preset.
 */
import { resolveSchedulerBinary } from '../api/declare-scheduler.js';
import { fixtureDir } from '../fixture.js';
import type { RunNamedResult } from '../scenario/run-named.js';
import { topologyLabel } from '../topology/topology.js';
import { cellMetricsRecord } from './cell-metrics-record.js';
import { cellExtrasOf, writeCellExtras } from './cell-detail.js';
import { projectCommit } from './git-commit.js';
import type { CellRecord } from './run-results.js';
import { startRun, storeRun } from './run-store.js';
import { schedulerIdentity } from './scheduler-identity.js';

export function scenarioCellRecord(run: RunNamedResult, durationMs: number): CellRecord {
  const { result } = run;
  let binary: string | undefined;
  try {
    binary = run.scheduler ? resolveSchedulerBinary(run.scheduler, [fixtureDir()]) : undefined;
  } catch {
    binary = undefined;
  }
  const id = schedulerIdentity(binary, run.scheduler?.schedArgs ?? []);
  return {
    name: result.cell, test: run.id, preset: topologyLabel(result.topology), kernel: result.kernel, scheduler: result.scheduler ?? 'eevdf',
    topology: topologyLabel(result.topology), status: run.ok ? 'passed' : 'failed', ...(run.problem ? { reason: run.problem.split('\n')[0]! } : {}),
    durationMs: Math.round(durationMs), finishedAt: new Date().toISOString(), scenario: run.id,
    ...(id.schedulerHash ? { schedulerHash: id.schedulerHash } : {}), schedulerArgs: id.schedulerArgs,
    metrics: cellMetricsRecord(result),
  };
}

/** Stores the one cell of a `--scenario` run with its timeline and workers. */
export async function storeScenarioRun(runsDir: string, run: RunNamedResult, startedAt: string, durationMs: number): Promise<{ dir: string; id: string }> {
  const record = scenarioCellRecord(run, durationMs);
  const staging = startRun(runsDir);
  writeCellExtras(staging, record.name, cellExtrasOf(run.result));
  return storeRun({
    runsDir, staging, commit: projectCommit(process.cwd()), source: 'test',
    results: { version: 1, startedAt, finishedAt: new Date().toISOString(), shards: ['1/1'], cells: [record] },
  });
}
