// SIGKILL of the node:test process that runs the cells: the runner survives and must report
// the cell it was running as failed, and remove what the dead process left.
import { type Fault, faultDuringCell } from '../fault.js';
import { cellProcess } from '../soak-run.js';
import { signal } from './signals.js';

export const childSigkill: Fault = {
  kind: 'child-sigkill',
  summary: 'SIGKILL of the node:test child running the cell',
  run: (ctx) => faultDuringCell(ctx, {
    names: /SIGKILL|killed/i,
    endsTestProcess: true,
    inject: (run) => {
      const child = cellProcess(run);
      return child && signal(child.pid, 'SIGKILL') ? `SIGKILL to the test process ${child.pid}` : 'no test process to kill';
    },
  }),
};
