/**
 * A kernel ktstr can boot must schedule with sched_ext, describe itself with BTF (the monitor
 * and BPF programs need it), unpack our LZ4 initramfs, and have the guest's devices built in
 * (the initramfs carries no modules). Anything missing is reported all at once.
 */
export interface ConfigRequirement {
  option: string;
  why: string;
}

export const REQUIRED_KERNEL_CONFIG: readonly ConfigRequirement[] = [
  { option: 'CONFIG_SCHED_CLASS_EXT', why: 'sched_ext schedulers' },
  { option: 'CONFIG_BPF_SYSCALL', why: 'loading BPF schedulers' },
  { option: 'CONFIG_DEBUG_INFO_BTF', why: 'BTF for CO-RE BPF and the monitor' },
  { option: 'CONFIG_BLK_DEV_INITRD', why: 'booting from the initramfs' },
  { option: 'CONFIG_RD_LZ4', why: 'the LZ4-compressed initramfs' },
  { option: 'CONFIG_DEVTMPFS', why: 'device nodes without udev' },
  { option: 'CONFIG_CGROUPS', why: 'scenario cgroups' },
  { option: 'CONFIG_CPUSETS', why: 'cgroup cpusets' },
  { option: 'CONFIG_SCHEDSTATS', why: 'run delay and timeslice statistics' },
  { option: 'CONFIG_VIRTIO_PCI', why: 'the host-guest channel device (must be built in)' },
  { option: 'CONFIG_VIRTIO_CONSOLE', why: 'the host-guest channel port (must be built in)' },
  { option: 'CONFIG_SERIAL_8250_CONSOLE', why: 'the kernel log on the serial console' },
];

/**
 * On aarch64 the console is the virt board's PL011 (ttyAMA0), not an 8250; the rest is the same
 * (the channel is virtio over PCI on both, qemu-args.ts).
 */
const AARCH64_CONSOLE: ConfigRequirement = { option: 'CONFIG_SERIAL_AMBA_PL011_CONSOLE', why: 'the kernel log on the virt board\'s PL011 serial console' };

/** The requirements for a kernel of `arch`. */
export function requiredKernelConfig(arch: 'x86_64' | 'aarch64' = 'x86_64'): readonly ConfigRequirement[] {
  if (arch === 'x86_64') return REQUIRED_KERNEL_CONFIG;
  return [...REQUIRED_KERNEL_CONFIG.filter((r) => r.option !== 'CONFIG_SERIAL_8250_CONSOLE'), AARCH64_CONSOLE];
}

/** Options required as `=y`: built-in, because the guest loads no modules. */
const BUILT_IN = new Set(['CONFIG_VIRTIO_PCI', 'CONFIG_VIRTIO_CONSOLE', 'CONFIG_SERIAL_8250_CONSOLE', AARCH64_CONSOLE.option]);

export function parseKernelConfig(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const hit = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/.exec(line.trim());
    if (hit) m.set(hit[1]!, hit[2]!);
  }
  return m;
}

/** Requirements the config does not meet; empty means the kernel is usable. */
export function missingKernelConfig(configText: string, arch: 'x86_64' | 'aarch64' = 'x86_64'): ConfigRequirement[] {
  const config = parseKernelConfig(configText);
  return requiredKernelConfig(arch).filter(({ option }) => {
    const v = config.get(option);
    return BUILT_IN.has(option) ? v !== 'y' : v !== 'y' && v !== 'm';
  });
}

export function describeMissing(missing: readonly ConfigRequirement[]): string {
  return missing.map((r) => `${r.option}=y (${r.why})`).join(', ');
}
