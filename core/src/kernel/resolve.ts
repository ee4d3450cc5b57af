/**
 * Which kernel a run uses, in this order: an explicit --kernel (a version or a path), the
 * KTSTR_KERNEL environment variable (same forms), the newest cached kernel, then a fetch of
 * the newest Debian sched_ext kernel. All of it for one architecture (default x86_64): with
 * `arch` aarch64 the cache's arm64 kernels and Debian's arm64 packages (arm64-kernel.ts); a
 * path must then hold an arm64 Image.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KtstrError } from '../errors.js';
import { describeMissing, missingKernelConfig } from './config-check.js';
import { checkKernelImage } from './image-check.js';
import { type CachedKernel, fetchKernel, findCachedKernel } from './kernel-cache.js';
import { fetchArm64Kernel } from './arm64-kernel.js';
import type { GuestArch } from '../vm/guest-arch.js';

export interface ResolvedKernel {
  /** A label for cell names and logs: the release (cached) or the file name (path). */
  label: string;
  vmlinuz: string;
  vmlinux?: string;
  config?: string;
  systemMap?: string;
  how: string;
  /** The architecture the kernel runs on, which is the cell's; absent means x86_64. */
  arch?: GuestArch;
}

function fromCache(k: CachedKernel, how: string): ResolvedKernel {
  return { label: k.release, vmlinuz: k.vmlinuz, vmlinux: k.vmlinux, config: k.config, systemMap: k.systemMap, how, ...(k.arch === 'aarch64' ? { arch: k.arch } : {}) };
}

function looksLikePath(spec: string): boolean {
  return spec.includes('/') || existsSync(spec);
}

function fromPath(spec: string, how: string, arch: GuestArch): ResolvedKernel {
  if (!existsSync(spec)) {
    throw new KtstrError('kernel', spec, 'does not exist', 'Give a kernel image file, a directory holding vmlinuz, or a version such as 7.2.');
  }
  const isDir = statSync(spec).isDirectory();
  const vmlinuz = isDir ? join(spec, 'vmlinuz') : spec;
  const dir = isDir ? spec : dirname(spec);
  if (!existsSync(vmlinuz)) throw new KtstrError('kernel', spec, 'has no vmlinuz', 'Point at the image file itself.');
  // Before QEMU: a wrong file would otherwise surface as a guest that never connects.
  const kind = checkKernelImage(vmlinuz);
  if ((kind === 'arm64-image') !== (arch === 'aarch64')) {
    throw new KtstrError('kernel', spec, kind === 'arm64-image' ? 'is an arm64 Image, but the run is for x86_64' : `is an x86_64 kernel (${kind}), but the run is for aarch64`,
      kind === 'arm64-image' ? 'Add --arch aarch64, or give an x86_64 bzImage.' : 'Give an arm64 Image (arch/arm64/boot/Image), or drop --arch aarch64.');
  }
  const sibling = (name: string) => (existsSync(join(dir, name)) ? join(dir, name) : undefined);
  const config = sibling('config') ?? sibling('.config');
  if (config) {
    const missing = missingKernelConfig(readFileSync(config, 'utf8'), arch);
    if (missing.length > 0) {
      throw new KtstrError('kernel', spec, `lacks required options: ${describeMissing(missing)}`, 'Rebuild it with those options set.');
    }
  }
  const r: ResolvedKernel = { label: isDir ? basename(spec) : basename(dir), vmlinuz, how, ...(arch === 'aarch64' ? { arch } : {}) };
  const vmlinux = sibling('vmlinux');
  const systemMap = sibling('System.map');
  if (vmlinux) r.vmlinux = vmlinux;
  if (config) r.config = config;
  if (systemMap) r.systemMap = systemMap;
  return r;
}

export async function resolveKernel(explicit?: string, log: (line: string) => void = () => {}, arch: GuestArch = 'x86_64'): Promise<ResolvedKernel> {
  const fetch = (wanted: string | undefined) => (arch === 'aarch64' ? fetchArm64Kernel(wanted, log) : fetchKernel(wanted, log));
  // KTSTR_KERNEL names the default architecture's kernel; an aarch64 run reads KTSTR_KERNEL_AARCH64.
  const fromEnv = arch === 'aarch64' ? ['KTSTR_KERNEL_AARCH64', process.env.KTSTR_KERNEL_AARCH64] as const : ['KTSTR_KERNEL', process.env.KTSTR_KERNEL] as const;
  for (const [spec, how] of [[explicit, '--kernel'], [fromEnv[1], fromEnv[0]]] as const) {
    if (!spec) continue;
    if (looksLikePath(spec)) return fromPath(spec, `${how} path`, arch);
    const cached = findCachedKernel(spec, arch);
    if (cached) return fromCache(cached, `${how} ${spec}, cached`);
    return fromCache(await fetch(spec), `${how} ${spec}, fetched`);
  }
  const newest = findCachedKernel(undefined, arch);
  if (newest) return fromCache(newest, `newest cached ${arch === 'aarch64' ? 'aarch64 ' : ''}kernel`);
  return fromCache(await fetch(undefined), `fetched the newest Debian sched_ext ${arch === 'aarch64' ? 'arm64 ' : ''}kernel`);
}
