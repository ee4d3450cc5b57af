// SIGKILL of the cell's QEMU: the cell fails saying QEMU exited; the next cell restores anew.
import { type Fault, faultDuringCell } from '../fault.js';
import { busyQemu } from '../soak-run.js';
import { signal } from './signals.js';

export const qemuSigkill: Fault = {
  kind: 'qemu-sigkill',
  summary: "SIGKILL of the cell's QEMU",
  run: (ctx) => faultDuringCell(ctx, {
    names: /QEMU exited|SIGKILL|channel/i,
    // Aimed at a QEMU whose restore was still being prepared, the fault makes the restore fail;
    // the cell then starts again from a fresh QEMU and says so: a pass naming that is right.
    recoveredIf: /snapshot \S+ did not restore \(/,
    inject: async (run) => {
      const q = await busyQemu(run);
      return q && signal(q.pid, 'SIGKILL') ? `SIGKILL to QEMU ${q.pid}` : 'not injected: the cell\'s QEMU could not be told from the run\'s spares';
    },
  }),
};
