// The faulted cell's scheduler binary deleted after the run planned its cells, before the cell
// boots: the cell must fail naming the missing file; the next cell (EEVDF) still passes.
import { rmSync } from 'node:fs';
import { type Fault, faultDuringCell } from '../fault.js';
import { restoreScheduler } from '../soak-env.js';

export const schedulerDeleted: Fault = {
  kind: 'scheduler-deleted',
  summary: "the cell's scheduler binary deleted after planning",
  run: async (ctx) => {
    try {
      return await faultDuringCell(ctx, {
        names: /scx-ktstr.*(not exist|not found|no such|ENOENT)|(not exist|not found|no such|ENOENT).*scx-ktstr/i,
        afterGuestUp: false,
        delayMs: [0, 500],
        inject: () => (rmSync(ctx.env.scheduler, { force: true }), `${ctx.env.scheduler} deleted`),
      });
    } finally {
      restoreScheduler(ctx.env);
    }
  },
};
