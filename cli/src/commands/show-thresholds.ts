/**
 * `ktstr show-thresholds [TEST]`: the thresholds `ktstr stats compare` judges by, and for a
 * test what resolves for it (core/src/stats/test-thresholds.ts).
 */
import type { Sade } from 'sade';
import { existsSync } from 'node:fs';
import { KtstrError, METRIC_DEFAULTS, discoverTests, testThresholds, type MetricDefault } from '@ktstr/core';
import { action, printJson } from '../output.js';
import { closest } from '@ktstr/core/suggest';
import { DEFAULT_TEST_DIRS } from '../test-files.js';
import { asList, findTestFiles, tsLoader } from './test.js';

function defaultsTable(rows: readonly MetricDefault[]): string {
  const lines = rows.map((m) => [m.key, m.worse === 'higher' ? 'higher' : 'lower', String(m.absolute), `${m.relativePercent} %`, m.unit + (m.monitor ? ' (host monitor)' : '')]);
  const head = ['metric', 'worse when', 'absolute', 'relative', 'unit'];
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [head, ...lines].map((l) => l.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function registerShowThresholdsCommand(prog: Sade): void {
  prog
    .command('show-thresholds [test]')
    .describe('The dual-gate thresholds of `ktstr stats compare`; with a test name, its assertion thresholds (its scheduler\'s merged with its own) and the compare thresholds.')
    .option('--path', 'Test files or directories to find TEST in (repeatable; default the current directory)')
    .option('--json', 'The thresholds as JSON')
    .example('show-thresholds')
    .example('show-thresholds "disjoint cpusets make progress" --path examples')
    .action(action((name: string | undefined, opts: { path?: string | string[]; json?: boolean }) => {
      if (name === undefined) {
        if (opts.json) return printJson({ metrics: METRIC_DEFAULTS });
        process.stdout.write('a metric regresses only when its change the bad way reaches both thresholds (docs/stats.md)\n');
        process.stdout.write(defaultsTable(METRIC_DEFAULTS));
        return;
      }
      const paths = asList(opts.path);
      const files = findTestFiles(paths.length ? paths : DEFAULT_TEST_DIRS.filter((p) => existsSync(p)));
      const found = discoverTests(files, tsLoader());
      const t = testThresholds(found.tests, name);
      if (!t) {
        const guess = closest(name, found.tests.map((x) => x.name));
        throw new KtstrError('TEST', name, `is no test in ${paths.length ? paths.join(', ') : 'the current directory'}`,
          `${guess ? `Did you mean "${guess}"? ` : ''}\`ktstr test --list\` lists the tests; --path points at other test files.`);
      }
      if (opts.json) return printJson(t);
      const gates = Object.entries(t.gates).map(([k, v]) => `${k}: ${v}`).join(', ');
      process.stdout.write(`${t.test}${t.file ? ` (${t.file})` : ''}\n  scheduler ${t.scheduler}, duration ${t.durationMs} ms, gates ${gates || 'none'}\n`);
      if (t.declared.length === 0) {
        process.stdout.write('  assertion thresholds declared by the scheduler or the test: none (bounds are written in the test body)\n');
      } else {
        process.stdout.write('  assertion thresholds (r.expect.withinThresholds(), or an assertion called without its bound):\n');
        const rows = t.declared.map((d) => [d.key, `${d.assertion}(${d.value})`, d.unit, `from the ${d.from}`]);
        const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
        for (const r of rows) process.stdout.write(`    ${r.map((c, i) => (i < 3 ? c.padEnd(w[i]!) : c)).join('  ')}\n`);
      }
      process.stdout.write('  compare judges its cells by:\n');
      process.stdout.write(defaultsTable(t.compare).replace(/^/gm, '  '));
    }));
}
