/**
 * Where ktstr keeps what outlives a run: kernels, toolchains, recorded durations.
 * KTSTR_CACHE_DIR overrides; else the XDG cache directory.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(): string {
  if (process.env.KTSTR_CACHE_DIR) return process.env.KTSTR_CACHE_DIR;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'ktstr');
}

export const kernelsDir = (): string => join(cacheRoot(), 'kernels');
export const locksDir = (): string => join(cacheRoot(), 'locks');
