/**
 * Shared set-up of the VM tests: the kernel every cell boots (resolved once per test file), and
 * the reason to skip when this machine cannot run VMs at all.
 */
import { resolveKernel, vmUnavailableReason, type ResolvedKernel } from '@ktstr/core';

export const skipReason: string | false = vmUnavailableReason() ?? false;
if (skipReason) process.stderr.write(`skipping VM tests: ${skipReason}\n`);

let kernel: Promise<ResolvedKernel> | undefined;
export function testKernel(): Promise<ResolvedKernel> {
  kernel ??= resolveKernel(process.env.KTSTR_KERNEL);
  return kernel;
}
