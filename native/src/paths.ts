import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the native/ directory (the package root). This module runs from dist/ once
 * compiled and from src/ under tsx; both sit one level below it.
 */
export const nativeRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * True in a clone of the ktstr repository, false when installed from the npm package. The
 * package does not ship the guest agent's sources (it ships the static binary instead), so their
 * presence is what tells a development checkout, where everything is built in place, from an
 * install, where node_modules may be read-only or wiped by the next `npm ci` and what must be
 * built on the user's machine goes to the cache instead.
 */
export const isCheckout: boolean = existsSync(join(nativeRoot, 'guest', 'Makefile'));

/** The version of this package, which keys what it builds into the cache. */
export const nativeVersion: string = (JSON.parse(readFileSync(join(nativeRoot, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Where ktstr keeps what outlives a run (kernels, toolchains, builds): KTSTR_CACHE_DIR, else
 * $XDG_CACHE_HOME/ktstr, else ~/.cache/ktstr. Defined here rather than in @ktstr/core because the
 * addon, which core loads, is itself built into this directory when installed from npm.
 */
export function cacheRoot(): string {
  if (process.env.KTSTR_CACHE_DIR) return process.env.KTSTR_CACHE_DIR;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'ktstr');
}

/**
 * Where this package's machine-built outputs go: native/ itself in a checkout (as before:
 * build/ for the addon, out/ for the binaries), `<cache>/native/<version>/` when installed.
 */
export function buildRoot(): string {
  return isCheckout ? nativeRoot : join(cacheRoot(), 'native', nativeVersion);
}
