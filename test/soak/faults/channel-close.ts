// The host closes its end of the guest channel mid-cell (faults/channel-hook.ts does it inside
// the test process, which owns the socket).
import { type Fault, faultDuringCell } from '../fault.js';
import { FAULTED_CELL } from '../soak-env.js';

export const channelClose: Fault = {
  kind: 'channel-close',
  summary: 'the channel socket closed by the host mid-cell',
  run: (ctx) => {
    const ms = ctx.dice.int(0, ctx.env.holdMs + 1000);
    return faultDuringCell(ctx, {
      names: /channel/i,
      afterGuestUp: false,
      delayMs: [0, 0],
      extraEnv: { KTSTR_SOAK_CLOSE_CHANNEL: `${FAULTED_CELL}/@${ms}` },
      inject: () => `channel closed ${ms} ms into the test body;`,
    });
  },
};
