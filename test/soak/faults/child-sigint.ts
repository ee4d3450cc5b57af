// SIGINT of the node:test process alone: its teardown runs (teardown.ts) and it dies of the
// signal; the runner reports the cell it was running.
import { type Fault, faultDuringCell } from '../fault.js';
import { cellProcess } from '../soak-run.js';
import { signal } from './signals.js';

export const childSigint: Fault = {
  kind: 'child-sigint',
  summary: 'SIGINT of the node:test child running the cell',
  run: (ctx) => faultDuringCell(ctx, {
    names: /SIGINT|interrupt|cancel/i,
    endsTestProcess: true,
    inject: (run) => {
      const child = cellProcess(run);
      return child && signal(child.pid, 'SIGINT') ? `SIGINT to the test process ${child.pid}` : 'no test process to interrupt';
    },
  }),
};
