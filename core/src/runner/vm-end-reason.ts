/**
 * Why a guest stopped talking, in words for a cell's failure reason. A channel that closed says
 * only that it closed; what a user needs is why: QEMU was killed (and by what signal), or the
 * guest kernel panicked (with the panic's own line, e.g. "Attempted to kill init" when the agent
 * died). Empty when QEMU still ran: then the channel itself is the news.
 */
import type { VmExit } from '../vm/qemu-backend.js';

export function vmEndReason(exit: VmExit | undefined, consoleLog: string): string {
  const panic = /Kernel panic - not syncing: ([^\n]*)/.exec(consoleLog)?.[1]?.trim();
  if (panic) return ` (the guest kernel panicked: ${panic})`;
  if (!exit) return '';
  if (exit.signal) return ` (QEMU was killed by ${exit.signal})`;
  return ` (QEMU exited with code ${exit.code})`;
}
