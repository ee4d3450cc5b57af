/**
 * What went wrong reading BTF, as a value: the BTF parser and its lookups return a BtfError
 * instead of throwing, so a corrupt or truncated blob (a guest's memory, a half-written file)
 * can be reported and skipped by the monitor without try/catch around every read. It names the
 * byte offset in the BTF blob (header included) where the problem is, and what was wrong.
 */
import { KtstrError } from '../../errors.js';

export class BtfError extends KtstrError {
  /** Byte offset in the BTF blob (from its header's first byte) of the offending field or type record. */
  readonly offset: number;
  /** What was wrong, without the offset and remedy. */
  readonly problem: string;

  constructor(offset: number, value: unknown, problem: string, options?: { cause?: unknown }) {
    super(
      `BTF at byte ${offset}`,
      value,
      problem,
      'The BTF is corrupt, truncated or of a newer format; compare with `bpftool btf dump file <file> format raw`.',
      options,
    );
    this.name = 'BtfError';
    this.offset = offset;
    this.problem = problem;
  }
}
