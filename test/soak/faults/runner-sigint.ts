// SIGINT of the `ktstr test` runner alone (not its process group, unlike a terminal's Ctrl-C):
// the runner passes it on to its test process, whose teardown removes the VM.
import { type Fault, faultDuringCell } from '../fault.js';
import { signal } from './signals.js';

export const runnerSigint: Fault = {
  kind: 'runner-sigint',
  summary: 'SIGINT of the ktstr test runner while a cell runs',
  run: (ctx) => faultDuringCell(ctx, {
    names: /SIGINT|interrupt|cancel/i,
    endsTestProcess: true,
    inject: (run) => (signal(run.pid, 'SIGINT'), 'SIGINT to the runner'),
  }),
};
