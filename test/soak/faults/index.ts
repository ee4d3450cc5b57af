/** Every fault kind the soak knows, one file each (docs/soak.md describes them). */
import type { Fault } from '../fault.js';
import { agentKill } from './agent-kill.js';
import { cacheReadonly } from './cache-readonly.js';
import { channelClose } from './channel-close.js';
import { childSigint } from './child-sigint.js';
import { childSigkill } from './child-sigkill.js';
import { kernelRace } from './kernel-race.js';
import { qemuSigkill } from './qemu-sigkill.js';
import { qemuSigstop } from './qemu-sigstop.js';
import { runnerSigint } from './runner-sigint.js';
import { runnerSigkill } from './runner-sigkill.js';
import { schedulerDeleted } from './scheduler-deleted.js';
import { shmFull } from './shm-full.js';
import { snapshotRace } from './snapshot-race.js';
import { snapshotRamCorrupt } from './snapshot-ram-corrupt.js';
import { snapshotRamTruncate } from './snapshot-ram-truncate.js';
import { snapshotStateCorrupt } from './snapshot-state-corrupt.js';

export const FAULTS: readonly Fault[] = [
  runnerSigkill, runnerSigint, childSigkill, childSigint, qemuSigkill, qemuSigstop, agentKill, channelClose,
  snapshotStateCorrupt, snapshotRamTruncate, snapshotRamCorrupt, cacheReadonly, shmFull, snapshotRace, kernelRace, schedulerDeleted,
];
