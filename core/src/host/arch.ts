/** The preset architecture of this host (presets exist for x86_64 and aarch64). */
import type { Arch } from '@ktstr/presets';

export function hostArch(): Arch {
  return process.arch === 'arm64' ? 'aarch64' : 'x86_64';
}
