/**
 * The rerun's scheduler: the probe loader standing in for the cell's scheduler, with the real
 * one behind `--`. The agent starts, watches and stops it exactly as it would the scheduler (it
 * is the cell's scheduler command), the loader starts the real scheduler once its kernel probes
 * are in, and its report reaches the host inside the scheduler's output. The real binary is
 * copied into the guest beside the cell's other files, with its shared libraries.
 */
import { basename } from 'node:path';
import type { SchedulerDecl } from '../api/declare-scheduler.js';
import type { HostFile } from '../initramfs/cell-payload.js';

/** Where the real scheduler lands in the rerun's guest. */
export const REPRO_GUEST_DIR = '/ktstr/repro';

export interface ProbeScheduler {
  readonly scheduler: SchedulerDecl;
  readonly includeFiles: readonly HostFile[];
}

/**
 * `original` wrapped by the loader at `probeLoader` with `siteArgs` (probeSiteArgs). The cell's
 * extra arguments, and an exit-dump length the cell puts first, still reach the scheduler: the
 * loader passes on what it does not know.
 */
export function probeScheduler(original: SchedulerDecl, originalHostPath: string, probeLoader: string, siteArgs: readonly string[]): ProbeScheduler {
  const guestPath = `${REPRO_GUEST_DIR}/${basename(originalHostPath)}`;
  const scheduler: SchedulerDecl = Object.freeze({
    ...original,
    binary: probeLoader,
    schedArgs: Object.freeze([...siteArgs, '--', guestPath, ...original.schedArgs]),
  });
  return { scheduler, includeFiles: [{ hostPath: originalHostPath, guestPath }] };
}
