/**
 * `ktstr export TEST [paths...]`: the test as a self-extracting runfile for a machine without
 * ktstr (bare metal), and `--verify MESSAGES`: the test body's own verdict on what such a run
 * reported. docs/debugging.md explains the design.
 */
import type { Sade } from 'sade';
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KtstrError, exportTest, verifyExport } from '@ktstr/core';
import { DEFAULT_TEST_DIRS } from '../test-files.js';
import { action, printJson, progress } from '../output.js';
import { findTestFiles, tsLoader } from './test.js';

interface ExportFlags {
  _: string[];
  topology?: string;
  'scheduler-binary'?: string;
  output?: string;
  verify?: string;
  json?: boolean;
}

const fileName = (test: string) => `${test.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'test'}.run`;

export function registerExportCommand(prog: Sade): void {
  prog
    .command('export <test> [paths...]')
    .describe('Write a test as a runfile: a shell script that runs its scenario and checks on a machine without ktstr (bare metal).')
    .option('--topology', 'The target machine\'s shape (NnLlCcTt, N,L,C,T or a preset); default the test\'s home topology')
    .option('--scheduler-binary', 'include: pack the scheduler and its libraries (for --start-scheduler on the target); omit: leave it out', 'include')
    .option('-o, --output', 'Where to write the runfile (default ./<test>.run)')
    .option('--verify', 'Judge a run instead: the messages a runfile saved with --messages FILE, replayed through the test body on this host')
    .option('--json', 'Print what was written (or the verdict of --verify) as JSON')
    .example('export "eevdf keeps pinned cgroups on their LLC" examples --topology 1n2l2c1t -o eevdf.run')
    .example('export "eevdf keeps pinned cgroups on their LLC" examples --verify messages.jsonl')
    .action(action(async (test: string, first: string | undefined, opts: ExportFlags) => {
      const how = opts['scheduler-binary'] ?? 'include';
      if (how !== 'include' && how !== 'omit') {
        throw new KtstrError('--scheduler-binary', how, 'must be include or omit', 'E.g. --scheduler-binary omit to leave the scheduler out of the runfile.');
      }
      const paths = [first, ...(opts._ ?? [])].filter((p): p is string => typeof p === 'string');
      const files = findTestFiles(paths.length ? paths : DEFAULT_TEST_DIRS.filter((p) => existsSync(p)));
      if (files.length === 0) throw new KtstrError('ktstr export', paths.join(' ') || '.', 'holds no test files', 'Give the test file (or its directory) after the test name.');
      const topology = typeof opts.topology === 'string' ? opts.topology : undefined;
      if (opts.verify !== undefined) {
        if (typeof opts.verify !== 'string' || !existsSync(opts.verify)) {
          throw new KtstrError('--verify', opts.verify, 'is not a file', 'Give the file a runfile wrote with --messages FILE.');
        }
        const v = verifyExport({ files, test, loader: tsLoader(), messages: resolve(opts.verify), ...(topology ? { topology } : {}) });
        if (opts.json) printJson({ test, ...v });
        else progress(v.verdict === 'pass' ? `${test} on ${v.topology}: pass` : `${test} on ${v.topology}: fail: ${v.reason}`);
        process.exitCode = v.verdict === 'pass' ? 0 : 1;
        return;
      }
      const out = resolve(typeof opts.output === 'string' ? opts.output : fileName(test));
      const r = exportTest({ files, test, loader: tsLoader(), includeScheduler: how === 'include', ...(topology ? { topology } : {}) });
      writeFileSync(out, r.runfile, { mode: 0o755 });
      const summary = {
        runfile: out, bytes: r.runfile.length, test, topology: `${r.topology.numaNodes}n${r.topology.llcs}l${r.topology.coresPerLlc}c${r.topology.threadsPerCore}t`,
        scheduler: r.scheduler, schedulerIncluded: r.schedulerIncluded, holdMs: r.totalHoldMs, checks: r.checks, hostOnly: r.hostOnly,
      };
      if (opts.json) {
        printJson(summary);
        return;
      }
      progress(`wrote ${out} (${(r.runfile.length / 1024).toFixed(0)} KiB): ${test} on ${summary.topology}, ${r.checks.length} check(s), holds ${(r.totalHoldMs / 1000).toFixed(1)} s`);
      for (const h of r.hostOnly) progress(`only \`ktstr export --verify\` judges: ${h}`);
      progress(`run it as root on the target: sh ${out}${r.scheduler ? ' [--start-scheduler]' : ''} [--messages FILE]`);
    }));
}
