/** `ktstr kernel build`: a kernel from source into the kernel cache (core/src/kernel/build/). */
import type { Sade } from 'sade';
import { buildKernel } from '@ktstr/core';
import { action, printJson, progress } from '../output.js';

export function registerKernelBuildCommand(prog: Sade): void {
  prog
    .command('kernel build [source]')
    .describe('Build a small sched_ext kernel from Debian\'s linux-source package of a version (default: the newest), a kernel tree, or a git checkout, into the kernel cache.')
    .option('--config-fragment', 'A file of CONFIG_NAME=value lines applied after ktstr\'s own configuration')
    .option('--cpu-cap', 'CPUs the build may use: it runs in a cpuset of that many reserved CPUs and make -j follows (default: KTSTR_CPU_CAP, else 30% of the host)')
    .option('--base', 'The configuration to start from: tinyconfig (default, smallest and fastest) or defconfig')
    .option('--nice', 'Scheduling priority of the build (default 10)')
    .option('--force', 'Build even when the cache has this source and configuration already')
    .option('--json', 'Print the result (cache entry, key, timings) as JSON')
    .example('kernel build 7.2 --cpu-cap 1')
    .example('kernel build ~/src/linux --config-fragment my.config')
    .action(action(async (source: string | undefined, opts: { 'config-fragment'?: string; 'cpu-cap'?: string | number; base?: string; nice?: string | number; force?: boolean; json?: boolean }) => {
      const base = opts.base ?? 'tinyconfig';
      if (base !== 'tinyconfig' && base !== 'defconfig') throw new Error(`--base: must be tinyconfig or defconfig (got ${JSON.stringify(base)})`);
      const nice = opts.nice === undefined ? undefined : Number(opts.nice);
      if (nice !== undefined && (!Number.isInteger(nice) || nice < -20 || nice > 19)) throw new Error(`--nice: must be a whole number from -20 to 19 (got ${JSON.stringify(opts.nice)})`);
      const r = await buildKernel({
        ...(source === undefined ? {} : { source: String(source) }),
        ...(opts['config-fragment'] === undefined ? {} : { configFragment: String(opts['config-fragment']) }),
        ...(opts['cpu-cap'] === undefined ? {} : { cpuCap: opts['cpu-cap'] }),
        ...(nice === undefined ? {} : { nice }),
        base, force: opts.force === true, log: progress,
      });
      if (opts.json) return printJson(r);
      process.stdout.write(`${r.kernel.release}\t${r.kernel.dir}\t${r.cached ? 'cached' : `built in ${r.seconds.total} s`}\n`);
    }));
}
