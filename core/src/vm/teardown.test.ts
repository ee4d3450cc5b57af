import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reapStaleRamFiles, reapStaleVmDirs } from './teardown.js';

// Found by the fault soak (runner-sigkill, child-sigkill): a SIGKILLed process's RAM files were
// reaped by the next VM start, but its VM directory (sockets, console log) stayed forever.
test('the RAM files and VM directories of dead processes are reaped, never those of live ones', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-reap-'));
  try {
    const dead = spawnSync('true').pid!;
    mkdirSync(join(dir, `ktstr-vm-${dead}-abc`));
    writeFileSync(join(dir, `ktstr-vm-${dead}-abc`, 'console.log'), 'x');
    mkdirSync(join(dir, `ktstr-vm-${process.pid}-def`));
    mkdirSync(join(dir, 'ktstr-vm-Xyz123')); // an old-style name without a pid: not ours to judge
    writeFileSync(join(dir, `ktstr-ram-${dead}-1-x-node0`), '');
    writeFileSync(join(dir, `ktstr-ram-${process.pid}-1-x-node0`), '');
    assert.deepEqual(reapStaleVmDirs(dir), [`ktstr-vm-${dead}-abc`]);
    assert.deepEqual(reapStaleRamFiles(dir), [`ktstr-ram-${dead}-1-x-node0`]);
    assert.equal(existsSync(join(dir, `ktstr-vm-${process.pid}-def`)), true);
    assert.equal(existsSync(join(dir, 'ktstr-vm-Xyz123')), true);
    assert.equal(existsSync(join(dir, `ktstr-ram-${process.pid}-1-x-node0`)), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
