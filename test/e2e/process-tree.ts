/** Process-tree helpers for end-to-end tests that must count only their own run's processes. */
import { execFileSync } from 'node:child_process';

/** Every process below `pid`: other runs on a shared host make VMs too, and must not count. */
export function descendants(pid: number): number[] {
  try {
    const kids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
    return kids.flatMap((k) => [k, ...descendants(k)]);
  } catch {
    return [];
  }
}
