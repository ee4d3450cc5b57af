// The guest agent (PID 1) killed inside the guest: the faulted cell's "scheduler" is the static
// kill-agent program, which ptrace-kills PID 1 after a random delay; the kernel panics with
// "Attempted to kill init", as when the agent crashes.
import { type Fault, faultDuringCell } from '../fault.js';

export const agentKill: Fault = {
  kind: 'agent-kill',
  summary: 'the guest agent (PID 1) killed inside the guest',
  unavailable: (env) => env.agentKillerMissing,
  run: (ctx) => {
    const ms = ctx.dice.int(0, 1500);
    return faultDuringCell(ctx, {
      names: /kill init|QEMU exited|channel|agent/i,
      afterGuestUp: false,
      delayMs: [0, 0],
      extraEnv: { KTSTR_SOAK_SCHEDULER: ctx.env.agentKiller, KTSTR_SOAK_SCHEDULER_ARGS: String(ms) },
      inject: () => `agent killed ${ms} ms after the scheduler started;`,
    });
  },
};
