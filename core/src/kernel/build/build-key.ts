/**
 * How a built kernel is named in the kernel cache: by what it was built from (the source's
 * identity) and how (the hash of its final .config). Two builds with the same key are the same
 * kernel, so a second `ktstr kernel build` of an unchanged Debian package or git commit is a
 * cache hit. Pure.
 */
import { createHash } from 'node:crypto';

/**
 * The hash of a .config's settings: its `CONFIG_X=...` and `# CONFIG_X is not set` lines,
 * sorted, so the header comment (which names the compiler and date) and the order do not count.
 */
export function configHash(configText: string): string {
  const lines = configText.split('\n').map((l) => l.trim())
    .filter((l) => /^CONFIG_[A-Za-z0-9_]+=/.test(l) || /^# CONFIG_[A-Za-z0-9_]+ is not set$/.test(l))
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
}

/** The cache key of a build: 12 hex of sha256 over the source identity and the config hash. */
export function buildKey(sourceId: string, configHashHex: string): string {
  return createHash('sha256').update(`${sourceId}\n${configHashHex}`).digest('hex').slice(0, 12);
}

/**
 * The cache entry's directory name: the kernel's own release (`make kernelrelease`), then
 * `-build-` and the key, so `ktstr kernel list` shows what it is and `--kernel` can name it.
 */
export function builtEntryName(kernelRelease: string, key: string): string {
  return `${kernelRelease}-build-${key}`;
}
