import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { statfsSync } from 'node:fs';
import { checkRamSpace, RamSpaceError } from './ram-space.js';

// Found by the fault soak (shm-full): with the RAM tmpfs full, a restore failed and the good
// snapshot was discarded as if it were broken, then the cold boot died without naming the cause.
test('a RAM directory without room for the guest fails up front, naming the directory and the remedy', () => {
  const s = statfsSync(tmpdir());
  const free = s.bavail * s.bsize;
  assert.doesNotThrow(() => checkRamSpace(tmpdir(), 1));
  assert.throws(() => checkRamSpace(tmpdir(), free + 2 ** 40), (e: unknown) => {
    assert.ok(e instanceof RamSpaceError);
    assert.match((e as Error).message, /^KTSTR_SHM_DIR: has \d+ MiB free, and this guest's RAM needs up to \d+ MiB there .*point KTSTR_SHM_DIR at a larger tmpfs/);
    return true;
  });
});

test('a shortage of host RAM space is told from a broken snapshot', async () => {
  const { isHostShortage } = await import('./ram-space.js');
  assert.equal(isHostShortage(new RamSpaceError('/dev/shm', 0, 1)), true);
  assert.equal(isHostShortage(new Error("copying the snapshot's RAM failed: cp: error writing 'x': No space left on device")), true);
  assert.equal(isHostShortage(new Error('the channel socket closed before the guest sent "pong" (QEMU was killed by SIGBUS)')), true);
  assert.equal(isHostShortage(new Error('restoring the snapshot failed: migration failed: load of migration failed')), false);
});
