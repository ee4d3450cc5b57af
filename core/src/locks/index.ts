export { acquireLock, withLock, LockBusyError, LockTimeoutError } from './lock.js';
export type { AcquireLockOptions, LockHandle, LockMode, LockWaitStatus } from './lock.js';
export { listLocks } from './list.js';
export type { LockState, LockStatus } from './list.js';
export { describeHolder, holderPath } from './holder.js';
export type { LockHolder } from './holder.js';
export { reserveCpus, cpuLockPath, llcLockPath } from './cpu-reservation.js';
export type { CpuReservation, ReserveOptions } from './cpu-reservation.js';
