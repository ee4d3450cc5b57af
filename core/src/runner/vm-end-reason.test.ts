import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vmEndReason } from './vm-end-reason.js';

// Found by the fault soak (qemu-sigkill, agent-kill): the cell's reason said only "the channel
// socket closed", not that QEMU was killed or that the guest panicked because its agent died.
test('a killed QEMU and a guest panic are named; a live QEMU adds nothing', () => {
  assert.equal(vmEndReason({ code: null, signal: 'SIGKILL' }, ''), ' (QEMU was killed by SIGKILL)');
  assert.equal(vmEndReason({ code: 1, signal: null }, ''), ' (QEMU exited with code 1)');
  const console = '[    3.1] ktstr-guest[1]: cell\n[    3.4] Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b\n[    3.4] CPU: 0 PID: 1\n';
  assert.equal(vmEndReason({ code: 0, signal: null }, console), ' (the guest kernel panicked: Attempted to kill init! exitcode=0x0000000b)');
  assert.equal(vmEndReason(undefined, 'no panic here'), '');
});
