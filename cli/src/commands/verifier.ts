/**
 * `ktstr verifier`: boot each scheduler on each kernel and report what the kernel's verifier
 * made of it: verified instructions per struct_ops program, read from guest memory once the
 * scheduler attached, or the verifier's log when it refused a program. Decisions are in
 * @ktstr/core (verifier/); this file parses and prints.
 */
import type { Sade } from 'sade';
import { existsSync } from 'node:fs';
import { declaredSchedulers, discoverTests, formatVerifierResult, hostArch, parseGuestArch, resolveKernel, verifierSchedulers, verifierTopology, verifyScheduler, SCX_KTSTR, type SchedulerDecl, type VerifierResult } from '@ktstr/core';
import { action, printJson, progress } from '../output.js';
import { findTestFiles, tsLoader } from './test.js';
import { DEFAULT_TEST_DIRS } from '../test-files.js';

interface VerifierFlags {
  scheduler?: string | string[];
  'sched-arg'?: string | string[];
  topology?: string;
  kernel?: string | string[];
  arch?: string;
  json?: boolean;
  raw?: boolean;
  'cold-boot'?: boolean;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : ([] as string[]).concat(v).map(String));

/**
 * The schedulers to verify: the ones named; else every sched_ext scheduler the test files under
 * `paths` declare (as `ktstr test` finds them); else, saying why, the fixture.
 */
function schedulersToVerify(named: string[], paths: string[], log: (line: string) => void): SchedulerDecl[] {
  if (named.length) return verifierSchedulers(named);
  const files = findTestFiles(paths.length ? paths : DEFAULT_TEST_DIRS.filter((p) => existsSync(p)));
  if (files.length === 0) {
    log(`no test files under ${paths.length ? paths.join(', ') : 'the current directory'}: verifying the fixture scheduler ${SCX_KTSTR.name}`);
    return [SCX_KTSTR];
  }
  const found = discoverTests(files, tsLoader());
  for (const e of found.errors) log(`${e.file} failed to load, its schedulers are not verified: ${e.message.split('\n')[0]}`);
  const decls = declaredSchedulers(found.tests);
  if (decls.length === 0) {
    log(`the ${files.length} test file(s) declare no sched_ext scheduler: verifying the fixture scheduler ${SCX_KTSTR.name}`);
    return [SCX_KTSTR];
  }
  log(`verifying ${decls.length} scheduler(s) declared in ${files.length} test file(s): ${decls.map((d) => d.name).join(', ')}`);
  return decls;
}

export function registerVerifierCommand(prog: Sade): void {
  prog
    .command('verifier [paths...]')
    .describe('Load schedulers in a VM and report the verifier\'s instruction count per struct_ops program, or its log when it refuses one.')
    .option('--scheduler', 'scx-ktstr or the path of a sched_ext loader; repeat for several (default: every scheduler the test files under paths declare)')
    .option('--sched-arg', 'An argument for every scheduler (repeatable)')
    .option('--topology', 'NnLlCcTt, N,L,C,T or a preset name (default each scheduler\'s own)')
    .option('--kernel', 'Kernel version or path; repeat for several (default: KTSTR_KERNEL, cache, then fetch)')
    .option('--arch', 'Guest architecture: x86_64 or aarch64 (default: the host\'s; the scheduler must be built for it, docs/aarch64.md)')
    .option('--json', 'Print the results as JSON')
    .option('--raw', 'Print a refused program\'s verifier log whole, without folding repeated loop bodies')
    .option('--cold-boot', 'Boot from scratch instead of restoring the post-boot snapshot')
    .example('verifier')
    .example('verifier tests/')
    .example('verifier --scheduler ./scx_simple --kernel 7.2 --kernel 6.12')
    .example('verifier --sched-arg=--verifier-reject --sched-arg=12')
    .action(action(async (first: string | undefined, opts: VerifierFlags & { _: string[] }) => {
      if (opts['cold-boot']) process.env.KTSTR_COLD_BOOT = '1';
      const paths = [first, ...opts._].filter((p): p is string => typeof p === 'string');
      const schedulers = schedulersToVerify(list(opts.scheduler), paths, progress);
      const extraSchedArgs = list(opts['sched-arg']);
      const kernelSpecs = list(opts.kernel);
      const results: VerifierResult[] = [];
      const arch = opts.arch === undefined ? hostArch() : parseGuestArch(String(opts.arch), '--arch');
      for (const spec of kernelSpecs.length ? kernelSpecs : [undefined]) {
        // Without --kernel: KTSTR_KERNEL (KTSTR_KERNEL_AARCH64 for aarch64), the cache, then a fetch.
        const kernel = await resolveKernel(spec, progress, arch);
        for (const scheduler of schedulers) {
          const r = await verifyScheduler({ kernel, scheduler, topology: verifierTopology(scheduler, opts.topology), extraSchedArgs, log: progress });
          results.push(r);
          if (!opts.json) process.stdout.write(`${formatVerifierResult(r, { raw: opts.raw === true })}\n`);
        }
      }
      if (opts.json) printJson(results);
      // 1 like a failed test: the command did its job and a scheduler did not load.
      process.exitCode = results.every((r) => r.outcome === 'loaded') ? 0 : 1;
    }));
}
