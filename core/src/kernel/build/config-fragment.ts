/**
 * The kernel configuration ktstr builds: a small base (`make tinyconfig`, or defconfig) merged
 * with a fragment of everything a ktstr guest needs, then the user's own fragment on top. Pure:
 * text in, text out, so merging and validation are unit-tested without a build.
 *
 * Why each group is there is said next to it; the options the config check insists on
 * (config-check.ts) are a subset of these, and the build checks the result with that same check.
 */
import { KtstrError } from '../../errors.js';

/** What `make <base>` starts from. tinyconfig builds fastest; defconfig has more drivers. */
export type ConfigBase = 'tinyconfig' | 'defconfig';

/** `CONFIG_X=value`, where value is y, m, n (written "is not set"), a number or a quoted string. */
export type ConfigFragment = ReadonlyMap<string, string>;

/**
 * ktstr's fragment for x86_64, as Kconfig lines. tinyconfig turns off most optional syscalls
 * (CONFIG_EXPERT), so the ones the guest agent, busybox and the BPF scheduler call are named here.
 */
export const KTSTR_FRAGMENT_X86_64 = `
# --- the machine: 64-bit SMP with NUMA described by ACPI (SRAT/SLIT/HMAT), as QEMU's q35 offers it
CONFIG_64BIT=y
CONFIG_SMP=y
CONFIG_NR_CPUS=512
CONFIG_X86_X2APIC=y
CONFIG_SCHED_SMT=y
CONFIG_SCHED_MC=y
CONFIG_SCHED_CLUSTER=y
CONFIG_NUMA=y
CONFIG_ACPI=y
CONFIG_ACPI_NUMA=y
CONFIG_X86_64_ACPI_NUMA=y
CONFIG_ACPI_HMAT=y
CONFIG_HMEM_REPORTING=y
CONFIG_PCI=y
CONFIG_PCI_MSI=y
CONFIG_HYPERVISOR_GUEST=y
CONFIG_PARAVIRT=y
CONFIG_KVM_GUEST=y
# QEMU -kernel boots a bzImage through the Linux boot protocol; PVH lets it boot vmlinux too.
CONFIG_PVH=y
# An LZ4 image decompresses in a fraction of the time of xz or zstd under TCG.
CONFIG_KERNEL_LZ4=y
CONFIG_HZ_250=y
CONFIG_HIGH_RES_TIMERS=y
CONFIG_NO_HZ_IDLE=y
# measuring schedulers, not speculation hardening (the cells boot with mitigations=off anyway)
# CONFIG_CPU_MITIGATIONS is not set
# CONFIG_MODULES is not set

# --- the console and the host-guest channel, built in (the initramfs carries no modules)
CONFIG_TTY=y
CONFIG_PRINTK=y
CONFIG_PRINTK_TIME=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_VIRTIO_MENU=y
CONFIG_VIRTIO=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_CONSOLE=y

# --- booting the LZ4 initramfs and what PID 1 mounts
CONFIG_BLK_DEV_INITRD=y
CONFIG_RD_LZ4=y
CONFIG_INITRAMFS_SOURCE=""
CONFIG_DEVTMPFS=y
CONFIG_DEVTMPFS_MOUNT=y
CONFIG_TMPFS=y
CONFIG_SHMEM=y
CONFIG_PROC_FS=y
CONFIG_PROC_SYSCTL=y
CONFIG_SYSFS=y
CONFIG_DEBUG_FS=y
CONFIG_BINFMT_ELF=y
CONFIG_BINFMT_SCRIPT=y
CONFIG_DEVMEM=y

# --- syscalls the agent, busybox and the work types use (tinyconfig drops them)
CONFIG_MULTIUSER=y
CONFIG_FUTEX=y
CONFIG_EPOLL=y
CONFIG_EVENTFD=y
CONFIG_SIGNALFD=y
CONFIG_TIMERFD=y
CONFIG_POSIX_TIMERS=y
CONFIG_FILE_LOCKING=y
CONFIG_ADVISE_SYSCALLS=y
CONFIG_MEMBARRIER=y
CONFIG_RSEQ=y
CONFIG_NET=y
CONFIG_UNIX=y

# --- cgroups: cpusets and the cpu controller, for EEVDF and sched_ext groups
CONFIG_CGROUPS=y
CONFIG_CGROUP_SCHED=y
CONFIG_FAIR_GROUP_SCHED=y
CONFIG_EXT_GROUP_SCHED=y
CONFIG_CPUSETS=y
CONFIG_CGROUP_CPUACCT=y

# --- scheduler statistics the metrics read (run delay, timeslices)
CONFIG_SCHEDSTATS=y
CONFIG_SCHED_INFO=y
CONFIG_DEBUG_KERNEL=y

# --- sched_ext and BPF
CONFIG_BPF=y
CONFIG_BPF_SYSCALL=y
CONFIG_BPF_JIT=y
CONFIG_BPF_JIT_ALWAYS_ON=y
CONFIG_BPF_EVENTS=y
CONFIG_SCHED_CLASS_EXT=y

# --- BTF: needs DWARF from the compiler and pahole (Debian package dwarves) to convert it
CONFIG_DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT=y
# CONFIG_DEBUG_INFO_REDUCED is not set
# CONFIG_DEBUG_INFO_SPLIT is not set
CONFIG_DEBUG_INFO_BTF=y

# --- symbols for the monitor, kprobes and fentry for auto-repro
CONFIG_KALLSYMS=y
CONFIG_KALLSYMS_ALL=y
CONFIG_PERF_EVENTS=y
CONFIG_KPROBES=y
CONFIG_KPROBE_EVENTS=y
CONFIG_FTRACE=y
CONFIG_FUNCTION_TRACER=y
CONFIG_DYNAMIC_FTRACE=y
CONFIG_FPROBE=y
`;

/** ktstr's fragment for an architecture (as `uname -m` names it). */
export function ktstrFragmentText(arch: string): string {
  if (arch === 'x86_64') return KTSTR_FRAGMENT_X86_64;
  throw new KtstrError('arch', arch, 'has no kernel build configuration in ktstr yet',
    'Build on an x86_64 host, or pass a complete configuration of your own with --config-fragment.');
}

const ASSIGNMENT = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/;
const NOT_SET = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/;
const VALUE = /^(y|m|n|-?[0-9]+|0x[0-9a-fA-F]+|"(?:[^"\\]|\\.)*")$/;

/**
 * A fragment's options, in order; `# CONFIG_X is not set` reads as `n`. Blank lines and other
 * comments are skipped; anything else is an error naming the file and line, because a typo that
 * Kconfig silently ignores would build a kernel without what was asked for.
 */
export function parseConfigFragment(text: string, source: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const off = NOT_SET.exec(line);
    if (off) {
      out.set(off[1]!, 'n');
      return;
    }
    if (line.startsWith('#')) return;
    const hit = ASSIGNMENT.exec(line);
    if (!hit) {
      throw new KtstrError(`${source}:${i + 1}`, line, 'is not a Kconfig assignment',
        'Write CONFIG_NAME=y (or =m, =n, a number, a "string"), or "# CONFIG_NAME is not set".');
    }
    if (!VALUE.test(hit[2]!)) {
      throw new KtstrError(`${source}:${i + 1}`, line, `has a value Kconfig does not take (${hit[2]})`,
        'Use y, m, n, a decimal or 0x number, or a double-quoted string.');
    }
    out.set(hit[1]!, hit[2]!);
  });
  return out;
}

export interface MergedFragment {
  options: Map<string, string>;
  /** Options a later fragment changed, with both values: worth a line in the log. */
  overridden: { option: string; from: string; to: string; by: string }[];
}

/** Later fragments win, as merge_config.sh does; what they override is listed. */
export function mergeFragments(fragments: readonly { source: string; options: ReadonlyMap<string, string> }[]): MergedFragment {
  const options = new Map<string, string>();
  const overridden: MergedFragment['overridden'] = [];
  for (const f of fragments) {
    for (const [option, value] of f.options) {
      const before = options.get(option);
      if (before !== undefined && before !== value) overridden.push({ option, from: before, to: value, by: f.source });
      options.set(option, value);
    }
  }
  return { options, overridden };
}

/** Kconfig lines for a merged fragment, as merge_config.sh reads them. */
export function renderFragment(options: ReadonlyMap<string, string>): string {
  return [...options].map(([o, v]) => (v === 'n' ? `# ${o} is not set` : `${o}=${v}`)).join('\n') + '\n';
}

export interface UnmetOption {
  option: string;
  wanted: string;
  /** What the final .config has: `n` when the option is absent or not set. */
  got: string;
}

/**
 * Options the final .config does not have as the fragment asked. Kconfig drops an assignment
 * whose dependencies are off without an error, so this is the check that a fragment took.
 */
export function unmetOptions(finalConfig: string, wanted: ReadonlyMap<string, string>): UnmetOption[] {
  const have = parseConfigFragment(finalConfig.split('\n').filter((l) => ASSIGNMENT.test(l.trim()) || NOT_SET.test(l.trim())).join('\n'), '.config');
  const unmet: UnmetOption[] = [];
  for (const [option, value] of wanted) {
    const got = have.get(option) ?? 'n';
    if (got !== value) unmet.push({ option, wanted: value, got });
  }
  return unmet;
}

export function describeUnmet(unmet: readonly UnmetOption[]): string {
  return unmet.map((u) => `${u.option}=${u.wanted} (got ${u.got})`).join(', ');
}

/**
 * A .config with a fragment's options written in: each option's existing line (set or "is not
 * set") is replaced in place, new ones are appended. `make olddefconfig` then settles the
 * dependencies; unmetOptions says afterwards what it refused.
 */
export function applyFragment(configText: string, options: ReadonlyMap<string, string>): string {
  const pending = new Map(options);
  const lines = configText.split('\n').map((raw) => {
    const l = raw.trim();
    const option = ASSIGNMENT.exec(l)?.[1] ?? NOT_SET.exec(l)?.[1];
    if (option === undefined || !pending.has(option)) return raw;
    const v = pending.get(option)!;
    pending.delete(option);
    return v === 'n' ? `# ${option} is not set` : `${option}=${v}`;
  });
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (pending.size > 0) lines.push('# --- added by ktstr kernel build', ...renderFragment(pending).trimEnd().split('\n'));
  return `${lines.join('\n')}\n`;
}
