/**
 * Room for a guest's RAM in the RAM directory (/dev/shm or KTSTR_SHM_DIR), checked before a VM
 * starts. On a full tmpfs QEMU dies of SIGBUS at the first guest page it cannot back, or the
 * restore's RAM copy fails, and either one read as a broken snapshot: the snapshot was discarded
 * and a cold boot failed the same way. Saying so up front names the real problem and its remedy,
 * and lets the snapshot code tell the host's shortage from a bad snapshot.
 */
import { statfsSync } from 'node:fs';
import { KtstrError } from '../errors.js';

export class RamSpaceError extends KtstrError {
  constructor(dir: string, freeBytes: number, neededBytes: number) {
    super('KTSTR_SHM_DIR', dir, `has ${mib(freeBytes)} MiB free, and this guest's RAM needs up to ${mib(neededBytes)} MiB there`,
      `Free space in ${dir} (stale files of dead runs: \`ktstr cache clean\`), or point KTSTR_SHM_DIR at a larger tmpfs.`);
    this.name = 'RamSpaceError';
  }
}

const mib = (bytes: number) => Math.floor(bytes / 2 ** 20);

/** Throws RamSpaceError when `dir` has less than `neededBytes` free (guest RAM files are sparse but may fill). */
export function checkRamSpace(dir: string, neededBytes: number): void {
  let free: number;
  try {
    const s = statfsSync(dir);
    free = s.bavail * s.bsize;
  } catch {
    return; // an unreadable directory fails at its first use, with its own error
  }
  if (free < neededBytes) throw new RamSpaceError(dir, free, neededBytes);
}

/**
 * A start that failed for want of RAM space on the host, not because of what it started from:
 * the check above, a RAM copy that hit ENOSPC, or QEMU killed by SIGBUS (a guest page the full
 * tmpfs could not back). A snapshot must not be discarded for it.
 */
export function isHostShortage(e: unknown): boolean {
  return e instanceof RamSpaceError || /No space left on device|ENOSPC|killed by SIGBUS/.test((e as Error)?.message ?? '');
}
