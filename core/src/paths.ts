/**
 * Where ktstr keeps what outlives a run: kernels, toolchains, recorded durations, and (installed
 * from npm) the native parts built on this machine. KTSTR_CACHE_DIR overrides; else the XDG cache
 * directory. The rule lives in @ktstr/native, whose addon build needs it before core loads.
 */
import { join } from 'node:path';
import { cacheRoot } from '@ktstr/native';

export { cacheRoot };

export const kernelsDir = (): string => join(cacheRoot(), 'kernels');
export const locksDir = (): string => join(cacheRoot(), 'locks');
