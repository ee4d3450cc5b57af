/**
 * `ktstr test [paths...]`: runs ktstr test files through Node's own test runner, with the
 * TypeScript loader, the chosen kernel and topology passed down in the environment. Each cell
 * is a node:test test, so node's reporters, filters and exit codes apply unchanged.
 */
import type { Sade } from 'sade';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KtstrError, parseTopologyArg, resolveKernel, topologyLabel } from '@ktstr/core';
import { action, progress } from '../output.js';
import { runScenarioCommand } from './test-scenario.js';

interface TestOptions {
  kernel?: string;
  topology?: string;
  filter?: string;
  json?: boolean;
  jobs?: number;
  'cold-boot'?: boolean;
  scenario?: string;
  scheduler?: string;
}

const TEST_FILE = /\.test\.(ts|mts|js|mjs)$/;

export function findTestFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    for (const name of readdirSync(p).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const child = join(p, name);
      if (statSync(child).isDirectory()) walk(child);
      else if (TEST_FILE.test(name)) out.push(child);
    }
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new KtstrError('paths', p, 'does not exist', 'Give test files or directories holding *.test.ts files.');
    // A file named explicitly runs whatever its name; directories contribute their *.test.* files.
    if (statSync(p).isDirectory()) walk(resolve(p));
    else out.push(resolve(p));
  }
  return out;
}

/** Absolute specifier of the TypeScript loader, so user projects need not install it. */
export function tsLoader(): string {
  return fileURLToPath(import.meta.resolve('tsx'));
}

export function registerTestCommand(prog: Sade): void {
  prog
    .command('test [paths]', 'Run ktstr tests (files or directories; default: test/ and examples/)', { default: false })
    .option('--kernel', 'Kernel version or path (default: KTSTR_KERNEL, cache, then fetch)')
    .option('--topology', 'Run every test on this topology: NnLlCcTt, N,L,C,T or a preset name')
    .option('--filter', 'Only tests whose name matches this regular expression')
    .option('--json', 'Machine-readable results (node:test JSON lines on stdout)')
    .option('--jobs', 'Test files run at once (default: node --test default)')
    .option('--cold-boot', 'Boot every cell from scratch instead of restoring the post-boot snapshot')
    .option('--scenario', 'Run one canned scenario (group/name, see ktstr scenarios) as a cell instead of test files')
    .option('--scheduler', 'With --scenario: eevdf (default), scx-ktstr, or a path to a scheduler binary')
    .example('test examples --topology 1n2l2c1t')
    .example('test --scenario cpuset/disjoint --scheduler scx-ktstr')
    .action(action(async (first: string | undefined, opts: TestOptions & { _: string[] }) => {
      if (opts.scenario) return runScenarioCommand(opts);
      const paths = [first, ...opts._].filter((p): p is string => typeof p === 'string');
      const files = findTestFiles(paths.length ? paths : ['test', 'examples'].filter((p) => existsSync(p)));
      if (files.length === 0) throw new KtstrError('paths', paths, 'holds no *.test.ts files', 'Point at test files or their directories.');
      const env = { ...process.env };
      if (opts['cold-boot']) env.KTSTR_COLD_BOOT = '1';
      // Set when ktstr itself runs inside a node:test file; the child must be a run of its own.
      delete env.NODE_TEST_CONTEXT;
      if (opts.topology) env.KTSTR_TOPOLOGY = topologyLabel(parseTopologyArg(opts.topology));
      // Resolve (and fetch if needed) once here, so parallel test files do not race to fetch.
      const kernel = await resolveKernel(opts.kernel ?? process.env.KTSTR_KERNEL, progress);
      env.KTSTR_KERNEL = kernel.vmlinuz;
      progress(`kernel ${kernel.label} (${kernel.how})`);
      const args = ['--import', tsLoader(), '--test'];
      if (opts.filter) args.push('--test-name-pattern', opts.filter);
      if (opts.jobs) args.push(`--test-concurrency=${opts.jobs}`);
      if (opts.json) {
        const reporter = fileURLToPath(new URL('../json-reporter.js', import.meta.url));
        args.push('--test-reporter=spec', '--test-reporter-destination=stderr', `--test-reporter=${reporter}`, '--test-reporter-destination=stdout');
      }
      args.push(...files);
      const child = spawn(process.execPath, args, { stdio: 'inherit', env });
      const forward = (sig: NodeJS.Signals) => child.kill(sig);
      process.on('SIGINT', forward);
      process.on('SIGTERM', forward);
      const code = await new Promise<number>((res) => child.on('exit', (c, s) => res(c ?? (s ? 128 + 2 : 1))));
      process.exitCode = code;
    }));
}
