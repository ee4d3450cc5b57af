// Found by the fault soak (qemu-sigstop): a QEMU stopped with SIGSTOP accepts QMP connections
// (the kernel queues them) but never answers, and the QMP client waited for its reply forever,
// so a restore or a snapshot save hung past every cell timeout. Now every reply has a deadline.
// A real QEMU (no guest: -machine none) is stopped and asked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QmpClient } from '../../../core/src/vm/qmp.js';
import { QEMU_BINARY } from '../../../core/src/vm/qemu-backend.js';

const noQemu = spawnSync(QEMU_BINARY, ['--version']).status === 0 ? false : `${QEMU_BINARY} is not installed`;

test('a stopped QEMU fails a QMP command within its timeout, naming it', { skip: noQemu, timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ktstr-qmp-stop-'));
  const socket = join(dir, 'qmp.sock');
  const qemu = spawn(QEMU_BINARY, ['-machine', 'none', '-nodefaults', '-display', 'none', '-qmp', `unix:${socket},server=on,wait=off`], { stdio: 'ignore' });
  try {
    const qmp = await QmpClient.connect(socket);
    assert.deepEqual(await qmp.execute('query-status').then((s) => typeof s), 'object', 'a running QEMU answers');
    process.kill(qemu.pid!, 'SIGSTOP');
    const t0 = Date.now();
    await assert.rejects(qmp.execute('query-status', undefined, 1500), /query-status.*did not answer query-status within 1500 ms \(stopped or hung\)/);
    assert.ok(Date.now() - t0 < 5000, 'failed at its deadline, not later');
    // A new connection to the stopped QEMU fails the same way, at the greeting.
    await assert.rejects(QmpClient.connect(socket, 1500), /did not answer its greeting within 1500 ms/);
  } finally {
    qemu.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
