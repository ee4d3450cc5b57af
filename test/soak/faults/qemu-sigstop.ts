// QEMU stopped (SIGSTOP) and left stopped: QMP and the channel go silent. The cell must fail
// when its timeout passes, naming the timeout, and its teardown must kill the stopped QEMU.
import { type Fault, faultDuringCell } from '../fault.js';
import { busyQemu } from '../soak-run.js';
import { signal } from './signals.js';

export const qemuSigstop: Fault = {
  kind: 'qemu-sigstop',
  summary: "SIGSTOP of the cell's QEMU, kept stopped past the timeouts (QMP and channel unresponsive)",
  run: (ctx) => faultDuringCell(ctx, {
    names: /timed? ?out|did not answer|no answer|within \d+/i,
    // Aimed at a QEMU whose restore was still being prepared, the fault makes the restore fail;
    // the cell then starts again from a fresh QEMU and says so: a pass naming that is right.
    recoveredIf: /snapshot \S+ did not restore \(/,
    inject: async (run) => {
      const q = await busyQemu(run);
      return q && signal(q.pid, 'SIGSTOP') ? `SIGSTOP to QEMU ${q.pid}` : 'not injected: the cell\'s QEMU could not be told from the run\'s spares';
    },
  }),
};
