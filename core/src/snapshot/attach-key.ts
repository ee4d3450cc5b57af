/**
 * The key of a post-attach snapshot: everything that shaped a guest whose scheduler has just
 * attached. It is the post-boot key (kernel, topology, memory, QEMU, machine, base initramfs)
 * plus the scheduler's launch as the guest saw it: the content of every file sent before the
 * attach (the scheduler binary, its shared libraries, injected files, with their guest paths and
 * modes, and symlinks), the scheduler's path and full argument list, and its config file's path
 * and content. Two cells share a post-attach snapshot exactly when their schedulers would have
 * started from the same bytes with the same arguments on the same booted guest.
 */
import { createHash } from 'node:crypto';
import type { PayloadEntry } from '../initramfs/cell-payload.js';

/** Bump when what a post-attach snapshot holds, or the attach protocol, changes. */
export const ATTACH_SNAPSHOT_FORMAT = 1;

export interface AttachKeyInput {
  postBootKey: string;
  launch: { guestPath: string; args: readonly string[] };
  /** Files and symlinks sent to the guest before the attach request. */
  payload: readonly PayloadEntry[];
  config?: { guestPath: string; content: Buffer };
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
/**
 * A payload file's hash, once per Buffer: cell-payload.ts hands every cell of a process the same
 * Buffer for an unchanged file, so a gauntlet hashes its scheduler and libraries once.
 */
const contentHashes = new WeakMap<Buffer, string>();
const contentSha256 = (b: Buffer) => {
  let h = contentHashes.get(b);
  if (h === undefined) contentHashes.set(b, (h = sha256(b)));
  return h;
};

export function attachSnapshotKey(input: AttachKeyInput): string {
  return sha256(JSON.stringify({
    format: ATTACH_SNAPSHOT_FORMAT,
    base: input.postBootKey,
    scheduler: input.launch.guestPath,
    args: input.launch.args,
    files: input.payload.map((e) => (e.kind === 'file'
      ? { path: e.guestPath, mode: e.mode, sha256: contentSha256(e.content) }
      : { path: e.guestPath, target: e.target })),
    config: input.config ? { path: input.config.guestPath, sha256: sha256(input.config.content) } : null,
  })).slice(0, 32);
}
