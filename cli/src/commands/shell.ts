/** `ktstr shell`: a busybox shell (or one command with --exec) inside a VM. */
import type { Sade } from 'sade';
import { CellVm, KtstrError, declareScheduler, hostArch, includePaths, parseGuestArch, parseTopologyArg, resolveKernel, topologyLabel } from '@ktstr/core';
import { action, printJson, progress } from '../output.js';

interface ShellOptions {
  topology: string;
  kernel?: string;
  arch?: string;
  'include-files'?: string | string[];
  exec?: string;
  scheduler?: string;
  'sched-arg'?: string | string[];
  json?: boolean;
  'cold-boot'?: boolean;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : ([] as string[]).concat(v).map(String));

export function registerShellCommand(prog: Sade): void {
  prog
    .command('shell')
    .describe('Boot a VM and open a busybox shell in it, or run one command with --exec (debugging, not tests).')
    .option('--topology', 'NnLlCcTt, N,L,C,T or a preset name', '1n1l2c1t')
    .option('--kernel', 'Kernel version or path')
    .option('--arch', 'Guest architecture: x86_64 or aarch64 (default: the host\'s; docs/aarch64.md)')
    .option('--include-files', 'Host file (at /bin/<name>) or directory (at /root/<name>/, recursively) to copy in, ELF binaries with their shared libraries (repeatable)')
    .option('--scheduler', 'A sched_ext scheduler binary to load first')
    .option('--sched-arg', 'An argument for --scheduler (repeatable)')
    .option('--exec', 'Run this command in the guest, print its output and exit with its status (128+N when signal N killed it)')
    .option('--json', 'With --exec: print {status, stdout, stderr, schedulerExit} as JSON')
    .option('--cold-boot', 'Boot every cell from scratch instead of restoring the post-boot snapshot')
    .example('shell --exec "cat /sys/devices/system/cpu/online" --topology 2n2l2c1t')
    .example('shell --arch aarch64 --exec "uname -m"')
    .action(action(async (opts: ShellOptions) => {
      const interactive = opts.exec === undefined;
      // An interactive shell ends only when someone types exit: from a script or a pipe it
      // would hang, so it is refused before anything boots.
      if (interactive && !process.stdin.isTTY) {
        throw new KtstrError('ktstr shell', 'stdin is not a terminal and there is no --exec',
          'will not start an interactive shell (it would wait for input forever)', 'Run one command with --exec "CMD", or start ktstr shell from a terminal.');
      }
      if (opts['cold-boot']) process.env.KTSTR_COLD_BOOT = '1';
      const topology = parseTopologyArg(opts.topology);
      // Read before the kernel and the boot, so a wrong path fails at once.
      const includeFiles = includePaths(list(opts['include-files']));
      const arch = opts.arch === undefined ? hostArch() : parseGuestArch(String(opts.arch), '--arch');
      // Without --kernel: KTSTR_KERNEL (KTSTR_KERNEL_AARCH64 for aarch64), the cache, then a fetch.
      const kernel = await resolveKernel(opts.kernel, progress, arch);
      const scheduler = opts.scheduler
        ? declareScheduler({ name: 'shell-scheduler', binary: opts.scheduler, schedArgs: list(opts['sched-arg']) })
        : undefined;
      progress(`booting ${topologyLabel(topology)} on ${kernel.label}${scheduler ? ` with ${opts.scheduler}` : ''}`);
      const vm = await CellVm.boot({
        name: `shell/${topologyLabel(topology)}/${kernel.label}`,
        kernel,
        topology,
        scheduler,
        durationMs: 1,
        includeFiles,
        console: interactive ? 'terminal' : 'log',
      });
      progress(`guest up in ${(vm.bootMs / 1000).toFixed(1)} s, ${vm.bootedHow} (${vm.accel})`);
      const streamed = !opts.json;
      const r = await vm.runCommand(
        interactive ? { shell: true, term: process.env.TERM } : { exec: opts.exec! },
        (stream, data) => {
          if (streamed) (stream === 'stdout' ? process.stdout : process.stderr).write(data);
        },
      );
      if (opts.json) printJson(r);
      if (r.schedulerExit) progress(`the scheduler exited: ${r.schedulerExit.reason}`);
      process.exitCode = r.status ?? 1;
    }));
}
