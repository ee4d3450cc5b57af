import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchStagingDir } from './fetch-staging.js';

// Found by the fault soak (kernel-race): a fetch SIGKILLed mid-download left its .fetch- directory.
test('a fetch removes the staging directories of dead fetches, never a live one', () => {
  const root = mkdtempSync(join(tmpdir(), 'ktstr-fetch-staging-'));
  try {
    const dead = spawnSync('true').pid!; // a pid that has exited
    mkdirSync(join(root, `.fetch-${dead}-abc`));
    mkdirSync(join(root, `.fetch-${process.pid}-live`));
    mkdirSync(join(root, '7.2.13-cloud-amd64'));
    const mine = fetchStagingDir(root);
    assert.ok(mine.startsWith(join(root, `.fetch-${process.pid}-`)));
    assert.equal(existsSync(join(root, `.fetch-${dead}-abc`)), false, "the dead fetch's directory is gone");
    assert.equal(existsSync(join(root, `.fetch-${process.pid}-live`)), true, "a live fetch's directory stays");
    assert.equal(existsSync(join(root, '7.2.13-cloud-amd64')), true, 'entries are never touched');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
