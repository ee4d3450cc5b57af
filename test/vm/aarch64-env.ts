// What every aarch64 VM test file needs first: whether qemu-system-aarch64 can run here and
// Debian's arm64 kernel (fetched and cached on first use), or why the file skips.
import { archUnavailableReason, resolveKernel, type ResolvedKernel } from '@ktstr/core';

export async function aarch64Env(what: string): Promise<{ skip: string | false; kernel: ResolvedKernel | undefined }> {
  let skip: string | false = archUnavailableReason('aarch64') ?? false;
  let kernel: ResolvedKernel | undefined;
  if (!skip) {
    try {
      kernel = await resolveKernel(undefined, (l) => process.stderr.write(`aarch64 kernel: ${l}\n`), 'aarch64');
    } catch (e) {
      skip = `no arm64 kernel: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  if (skip) process.stderr.write(`skipping ${what}: ${skip}\n`);
  return { skip, kernel };
}
