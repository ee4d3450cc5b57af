/**
 * The in-process half of the `channel-close` fault: the socket that carries the guest channel
 * belongs to the node:test child, so only code in that process can close it. A soak cell calls
 * this first; when KTSTR_SOAK_CLOSE_CHANNEL names the cell (as `name@ms`), the host side of
 * the channel is closed that many ms later, as a failing host socket would be.
 */
import type { CellVm } from '@ktstr/core';

interface ChannelHolder {
  vm: { channel: { close(reason?: string): void } };
}

export function closeChannelLater(vm: CellVm): void {
  const spec = process.env.KTSTR_SOAK_CLOSE_CHANNEL;
  if (!spec) return;
  const at = spec.lastIndexOf('@');
  if (!vm.plan.name.startsWith(spec.slice(0, at))) return;
  const timer = setTimeout(() => {
    // CellVm keeps its backend private; the fault reaches it the way a broken socket would.
    (vm as unknown as ChannelHolder).vm.channel.close('soak fault: the host closed the channel socket');
  }, Number(spec.slice(at + 1)));
  timer.unref();
}
