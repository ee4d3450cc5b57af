// SIGKILL of the `ktstr test` runner mid-cell: no handler runs anywhere. Its test process and
// QEMU die through their parent-death signals; what they leave on disk is reaped by the next run.
import { type Fault, faultDuringCell } from '../fault.js';
import { signal } from './signals.js';

export const runnerSigkill: Fault = {
  kind: 'runner-sigkill',
  summary: 'SIGKILL of the ktstr test runner while a cell runs',
  run: (ctx) => faultDuringCell(ctx, {
    names: /SIGKILL/,
    endsRunner: true,
    endsTestProcess: true,
    inject: (run) => (signal(run.pid, 'SIGKILL'), 'SIGKILL to the runner'),
  }),
};
