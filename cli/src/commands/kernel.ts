/** `ktstr kernel fetch|list|path|clean`: the kernel cache. */
import type { Sade } from 'sade';
import { KtstrError, cleanKernels, fetchArm64Kernel, fetchKernel, findCachedKernel, listCachedKernels, parseGuestArch, resolveKernel, type GuestArch } from '@ktstr/core';
import { action, printJson, progress } from '../output.js';

const archOf = (v: string | undefined): GuestArch => (v === undefined ? 'x86_64' : parseGuestArch(String(v), '--arch'));

export function registerKernelCommands(prog: Sade): void {
  prog
    .command('kernel fetch [version]')
    .describe('Download a sched_ext kernel (default: the newest of Debian sid) into the cache; a remote cache (KTSTR_REMOTE_CACHE, KTSTR_GHA_CACHE) is asked first.')
    .option('--suite', 'The Debian suite to take it from: sid (default) or trixie-backports (newer kernels, used only when named)')
    .option('--arch', 'x86_64 (default) or aarch64: Debian\'s arm64 kernel for aarch64 guests (docs/aarch64.md)')
    .option('--json', 'Print the cache entry as JSON')
    .example('kernel fetch 7.2')
    .example('kernel fetch --suite trixie-backports')
    .example('kernel fetch --arch aarch64')
    .action(action(async (version: string | undefined, opts: { suite?: string; arch?: string; json?: boolean }) => {
      const arch = archOf(opts.arch);
      if (arch === 'aarch64' && opts.suite !== undefined) {
        throw new KtstrError('--suite', opts.suite, 'is not supported with --arch aarch64', 'arm64 kernels come from sid, or by version from whichever suite apt has them in: drop --suite.');
      }
      const k = arch === 'aarch64'
        ? await fetchArm64Kernel(version, progress)
        : await fetchKernel(version, progress, opts.suite === undefined ? {} : { suite: String(opts.suite) });
      if (opts.json) printJson(k);
      else process.stdout.write(`${k.release}\t${k.dir}\n`);
    }));

  prog
    .command('kernel list')
    .describe('List cached kernels.')
    .option('--json', 'Print as JSON')
    .action(action((opts: { json?: boolean }) => {
      const all = listCachedKernels();
      if (opts.json) return printJson(all);
      if (all.length === 0) process.stdout.write('no kernels cached; run `ktstr kernel fetch`\n');
      for (const k of all) process.stdout.write(`${k.release}\t${k.version}\t${k.origin}\t${k.dir}\n`);
    }));

  prog
    .command('kernel path [version]')
    .describe('Print the kernel image a run would use (discovery: --kernel, KTSTR_KERNEL, cache, fetch).')
    .option('--arch', 'x86_64 (default) or aarch64')
    .option('--json', 'Print as JSON')
    .action(action(async (version: string | undefined, opts: { arch?: string; json?: boolean }) => {
      const arch = archOf(opts.arch);
      const cached = version ? findCachedKernel(version, arch) : undefined;
      const k = cached ? { label: cached.release, vmlinuz: cached.vmlinuz, how: 'cached' } : await resolveKernel(version, progress, arch);
      if (opts.json) printJson(k);
      else process.stdout.write(`${k.vmlinuz}\n`);
    }));

  prog
    .command('kernel clean')
    .describe('Remove cached kernels (all, or all but --keep).')
    .option('--keep', 'A release to keep (repeatable)')
    .option('--json', 'Print as JSON')
    .action(action((opts: { keep?: string | string[]; json?: boolean }) => {
      const keep = opts.keep === undefined ? [] : ([] as string[]).concat(opts.keep);
      const removed = cleanKernels(keep);
      if (opts.json) printJson({ removed });
      else process.stdout.write(removed.length ? `removed ${removed.join(', ')}\n` : 'nothing to remove\n');
    }));
}
