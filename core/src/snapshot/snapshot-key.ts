/**
 * The key of a post-boot snapshot: everything that shapes the booted guest. Two cells share a
 * snapshot exactly when they would boot the same guest: same kernel image, topology, memory,
 * QEMU build and machine arguments, guest agent and base initramfs, kernel command line.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { memoByIdentity, whichSync } from './identity-memo.js';
import { spawnSync } from 'node:child_process';
import { qemuArgs } from '../vm/qemu-args.js';
import type { Accel } from '../vm/accel.js';
import type { Topology } from '../topology/topology.js';

/** Bump when the snapshot layout or the restore protocol changes. */
export const SNAPSHOT_FORMAT = 1;

export interface SnapshotKeyInput {
  qemuBinary: string;
  accel: Accel;
  kernel: string;
  topology: Topology;
  memoryMiB: number;
  baseImageKey: string;
  /** A KASLR boot is another guest (its command line lacks nokaslr), so another snapshot. */
  kaslr?: boolean;
  la57?: boolean;
}

/** Remembered on disk by file identity (identity-memo.ts): a new process's first key costs no hashing. */
function fileHash(path: string): string {
  return memoByIdentity('sha256', [path], () => createHash('sha256').update(readFileSync(path)).digest('hex'));
}

function versionOf(qemuBinary: string): string {
  const ask = () => spawnSync(qemuBinary, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  const file = whichSync(qemuBinary);
  return file ? memoByIdentity('qemu-version', [file], ask) : ask();
}

/** The machine's command line with every per-instance path replaced by a placeholder. */
export function machineDefinition(input: SnapshotKeyInput): string[] {
  return qemuArgs({
    topology: input.topology,
    memoryMiB: input.memoryMiB,
    accel: input.accel,
    kernel: '@KERNEL',
    initrd: '@INITRD',
    ramPathPrefix: '@RAM',
    consoleLog: '@CONSOLE',
    channelSocket: '@CHANNEL',
    qmpSocket: '@QMP',
    kaslr: input.kaslr,
    la57: input.la57,
  });
}

export function snapshotKey(input: SnapshotKeyInput): string {
  return createHash('sha256')
    .update(JSON.stringify({
      format: SNAPSHOT_FORMAT,
      qemu: versionOf(input.qemuBinary),
      machine: machineDefinition(input),
      kernel: fileHash(input.kernel),
      base: input.baseImageKey,
    }))
    .digest('hex')
    .slice(0, 32);
}
