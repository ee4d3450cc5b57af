/** `ktstr stats merge A.json B.json ... [-o out.json]`: join shard results into one run. */
import type { Sade } from 'sade';
import { readFileSync, writeFileSync } from 'node:fs';
import { KtstrError, mergeRuns, summarise, type RunResults } from '@ktstr/core';
import { action, printJson, progress } from '../output.js';
import { failedTable } from '../progress.js';

export function registerStatsCommands(prog: Sade): void {
  prog
    .command('stats merge [files...]')
    .describe('Merge results of shards (`ktstr test --json` output) into one run, with a summary.')
    .option('-o, --output', 'Write the merged results here (default: stdout)')
    .example('stats merge shard-1.json shard-2.json -o run.json')
    .action(action(async (first: string | undefined, opts: { _: string[]; output?: string }) => {
      const files = [first, ...opts._].filter((f): f is string => typeof f === 'string');
      if (files.length === 0) throw new KtstrError('files', files, 'is empty', 'Give the results files of the shards.');
      const runs = files.map((f) => {
        let results: RunResults;
        try {
          results = JSON.parse(readFileSync(f, 'utf8')) as RunResults;
        } catch (e) {
          throw new KtstrError(f, 'results file', `cannot be read as JSON (${(e as Error).message})`, 'Give files written by `ktstr test --json`.');
        }
        return { source: f, results };
      });
      const merged = mergeRuns(runs);
      if (opts.output) writeFileSync(opts.output, `${JSON.stringify(merged, null, 2)}\n`);
      else printJson(merged);
      const rows = await summarise(merged);
      const out = process.stderr;
      out.write(`merged ${files.length} file(s), shards ${merged.shards.join(', ')}: ${merged.cells.length} cells\n`);
      out.write(`${'scheduler'.padEnd(16)}${'passed'.padStart(8)}${'failed'.padStart(8)}${'skipped'.padStart(9)}${'seconds'.padStart(10)}\n`);
      for (const r of rows) out.write(`${r.scheduler.padEnd(16)}${String(r.passed).padStart(8)}${String(r.failed).padStart(8)}${String(r.skipped).padStart(9)}${r.seconds.toFixed(1).padStart(10)}\n`);
      out.write(failedTable(merged.cells.filter((c) => c.status === 'failed')));
      if (opts.output) progress(`wrote ${opts.output}`);
      if (merged.cells.some((c) => c.status === 'failed')) process.exitCode = 1;
    }));
}
