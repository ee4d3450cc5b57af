/** `ktstr test --scenario group/name`: one canned scenario as a cell; the decisions are in core. */
import { relative } from 'node:path';
import { parseGuestArch, runNamedScenario, storeScenarioRun } from '@ktstr/core';
import { printJson, progress } from '../output.js';

export interface ScenarioCommandOptions {
  scenario?: string;
  topology?: string;
  kernel?: string;
  arch?: string;
  scheduler?: string;
  json?: boolean;
  'cold-boot'?: boolean;
  /** Where the cell is stored as a run (resolved by the caller). */
  runsDir?: string;
}

export async function runScenarioCommand(opts: ScenarioCommandOptions): Promise<void> {
  if (opts['cold-boot']) process.env.KTSTR_COLD_BOOT = '1';
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const run = await runNamedScenario({
    scenario: String(opts.scenario),
    topology: opts.topology,
    kernel: opts.kernel,
    ...(opts.arch !== undefined ? { arch: parseGuestArch(String(opts.arch), '--arch') } : {}),
    scheduler: opts.scheduler,
    log: progress,
  });
  const { id, result, ok, problem } = run;
  if (opts.json) {
    printJson({ scenario: id, ok, problem: problem ?? null, result });
  } else {
    const m = result.metrics;
    process.stdout.write(`${ok ? 'ok' : 'FAIL'} ${result.cell} (${result.scheduler ?? 'eevdf'}, ${result.bootedHow})\n`);
    if (problem) process.stdout.write(`  ${problem}\n`);
    process.stdout.write(`  iterations ${m.totalIterations}, spread ${m.worstSpread.toFixed(3)}, worst gap ${m.worstGapMs.toFixed(1)} ms, `
      + `migrations ${m.totalMigrations}, imbalance ${m.maxImbalanceRatio.toFixed(2)}, run delay ${m.meanRunDelayUs.toFixed(1)} us\n`);
    for (const s of result.steps) {
      process.stdout.write(`  step ${s.name}: iterations ${s.metrics.totalIterations}, spread ${s.metrics.worstSpread.toFixed(3)}, gap ${s.metrics.worstGapMs.toFixed(1)} ms\n`);
    }
  }
  let code = ok ? 0 : 1;
  if (opts.runsDir) {
    try {
      const stored = await storeScenarioRun(opts.runsDir, run, startedAt, performance.now() - started);
      progress(`stored run ${stored.id} in ${relative(process.cwd(), stored.dir) || stored.dir}`);
    } catch (e) {
      progress(`could not store the run in ${opts.runsDir}: ${(e as Error).message}`);
      code = 2;
    }
  }
  process.exitCode = code;
}
