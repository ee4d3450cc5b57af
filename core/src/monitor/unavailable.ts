/**
 * The value every monitor read returns instead of throwing when guest memory cannot answer: an
 * address in no RAM file, a non-present page, a symbol the kernel lacks. A monitor runs beside a
 * guest that may be anywhere in its life (booting, panicking, mid-update), so "this cannot be
 * read now" is an ordinary outcome the caller must look at, not an exception that ends a test.
 * It is never 0: an absent value read as 0 would look like data.
 */
export class Unavailable {
  /** What could not be read and why, e.g. "guest-physical 0xfee00000: in no RAM region". */
  readonly unavailable: string;

  constructor(
    reason: string,
    /** The address (physical or virtual, as the reason says) the read failed at, when there is one. */
    readonly address?: bigint,
  ) {
    this.unavailable = reason;
  }

  toString(): string {
    return `unavailable: ${this.unavailable}`;
  }
}

export function isUnavailable(v: unknown): v is Unavailable {
  return v instanceof Unavailable;
}

export const hex = (v: bigint): string => `0x${v.toString(16)}`;
