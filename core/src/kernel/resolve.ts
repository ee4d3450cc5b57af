/**
 * Which kernel a run uses, in this order: an explicit --kernel (a version or a path), the
 * KTSTR_KERNEL environment variable (same forms), the newest cached kernel, then a fetch of
 * the newest Debian sched_ext kernel.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { KtstrError } from '../errors.js';
import { describeMissing, missingKernelConfig } from './config-check.js';
import { checkKernelImage } from './image-check.js';
import { type CachedKernel, fetchKernel, findCachedKernel } from './kernel-cache.js';

export interface ResolvedKernel {
  /** A label for cell names and logs: the release (cached) or the file name (path). */
  label: string;
  vmlinuz: string;
  vmlinux?: string;
  config?: string;
  systemMap?: string;
  how: string;
}

function fromCache(k: CachedKernel, how: string): ResolvedKernel {
  return { label: k.release, vmlinuz: k.vmlinuz, vmlinux: k.vmlinux, config: k.config, systemMap: k.systemMap, how };
}

function looksLikePath(spec: string): boolean {
  return spec.includes('/') || existsSync(spec);
}

function fromPath(spec: string, how: string): ResolvedKernel {
  if (!existsSync(spec)) {
    throw new KtstrError('kernel', spec, 'does not exist', 'Give a kernel image file, a directory holding vmlinuz, or a version such as 7.2.');
  }
  const isDir = statSync(spec).isDirectory();
  const vmlinuz = isDir ? join(spec, 'vmlinuz') : spec;
  const dir = isDir ? spec : dirname(spec);
  if (!existsSync(vmlinuz)) throw new KtstrError('kernel', spec, 'has no vmlinuz', 'Point at the image file itself.');
  // Before QEMU: a wrong file would otherwise surface as a guest that never connects.
  checkKernelImage(vmlinuz);
  const sibling = (name: string) => (existsSync(join(dir, name)) ? join(dir, name) : undefined);
  const config = sibling('config') ?? sibling('.config');
  if (config) {
    const missing = missingKernelConfig(readFileSync(config, 'utf8'));
    if (missing.length > 0) {
      throw new KtstrError('kernel', spec, `lacks required options: ${describeMissing(missing)}`, 'Rebuild it with those options set.');
    }
  }
  const r: ResolvedKernel = { label: isDir ? basename(spec) : basename(dir), vmlinuz, how };
  const vmlinux = sibling('vmlinux');
  const systemMap = sibling('System.map');
  if (vmlinux) r.vmlinux = vmlinux;
  if (config) r.config = config;
  if (systemMap) r.systemMap = systemMap;
  return r;
}

export async function resolveKernel(explicit?: string, log: (line: string) => void = () => {}): Promise<ResolvedKernel> {
  for (const [spec, how] of [[explicit, '--kernel'], [process.env.KTSTR_KERNEL, 'KTSTR_KERNEL']] as const) {
    if (!spec) continue;
    if (looksLikePath(spec)) return fromPath(spec, `${how} path`);
    const cached = findCachedKernel(spec);
    if (cached) return fromCache(cached, `${how} ${spec}, cached`);
    return fromCache(await fetchKernel(spec, log), `${how} ${spec}, fetched`);
  }
  const newest = findCachedKernel();
  if (newest) return fromCache(newest, 'newest cached kernel');
  return fromCache(await fetchKernel(undefined, log), 'fetched the newest Debian sched_ext kernel');
}
