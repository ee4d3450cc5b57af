/**
 * Everything a cell creates outside the process (QEMU children, /dev/shm RAM files, socket
 * directories) is registered here, so it is removed on every way out: normal completion,
 * a thrown error, process exit, and SIGINT/SIGTERM/SIGHUP. The teardown functions must be
 * synchronous: at `exit` and in a signal handler there is no event loop left to await on.
 *
 * A SIGKILLed host process cannot run any of this; for that case QEMU is started with a
 * parent-death signal (see qemu-backend.ts) and stale RAM files are reaped by `reapStaleRamFiles`.
 */
import { tmpdir } from 'node:os';
import { reapByOwner } from '../host/owner-pid.js';
import { join } from 'node:path';

type Teardown = () => void;
const pending = new Set<Teardown>();
let installed = false;

export function registerTeardown(fn: Teardown): () => void {
  install();
  pending.add(fn);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    pending.delete(fn);
    fn();
  };
}

export function runAllTeardowns(): void {
  for (const fn of [...pending]) {
    pending.delete(fn);
    try {
      fn();
    } catch {
      // Best effort: one failed cleanup must not stop the others.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAllTeardowns);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      runAllTeardowns();
      // Die of the same signal so the parent (a shell, node --test) sees the usual status.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    });
  }
}

/**
 * The shared-memory directory where guest RAM files live: /dev/shm, or KTSTR_SHM_DIR (any tmpfs;
 * the fault soak points it at a small private one, so filling it disturbs no other run).
 */
export const SHM_DIR = process.env.KTSTR_SHM_DIR || '/dev/shm';
export const RAM_FILE_PREFIX = 'ktstr-ram-';

/** RAM files are named `ktstr-ram-<pid>-...`; remove those whose owning process is gone. */
export function reapStaleRamFiles(dir = SHM_DIR): string[] {
  return reapByOwner(dir, RAM_FILE_PREFIX);
}

/** VM directories (sockets, console log) are named `ktstr-vm-<pid>-...`; remove those of dead processes. */
export const VM_DIR_PREFIX = 'ktstr-vm-';

export function reapStaleVmDirs(dir = tmpdir()): string[] {
  return reapByOwner(dir, VM_DIR_PREFIX);
}

/**
 * What a SIGKILLed process's VMs left (no handler of its could run): RAM files and VM
 * directories. Every VM start calls it, and so does `ktstr test` when a test process dies.
 */
export function reapStaleVmFiles(): string[] {
  return [...reapStaleRamFiles(), ...reapStaleVmDirs()];
}

