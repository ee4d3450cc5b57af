/**
 * One thing ktstr needs on the machine (apt packages, the kernel, the native parts), which
 * `ktstr doctor` checks without changing anything and `ktstr setup` installs when missing.
 */
export type Log = (line: string) => void;

export interface ItemStatus {
  /** Present and current. */
  ok: boolean;
  /** What was found, or what is missing. */
  detail: string;
  /** When not ok: what `ktstr setup` would do about it. */
  action?: string;
  /** When not ok: the action needs root (apt, the system's apt sources). */
  needsRoot?: boolean;
  /** When not ok and setup cannot fix it: what the user must do instead. */
  remedy?: string;
}

export interface SetupItem {
  id: string;
  title: string;
  /** Why ktstr needs it. */
  why: string;
  /**
   * Installed system-wide, as root (Debian packages, the apt source). Under sudo, setup does
   * only these, so that the rest is built into the invoking user's cache rather than root's.
   */
  system?: boolean;
  /** Reported, never installed, and never makes the machine "not ready" (e.g. KVM vs TCG). */
  informational?: boolean;
  /** Setup installs it, but its absence does not make the machine "not ready" (only some commands use it). */
  optional?: boolean;
  /**
   * Setup runs install even when the check passes, because the build is idempotent and knows
   * better whether it is stale (the fixture scheduler in a checkout, whose sources change).
   */
  refresh?: boolean;
  check(): ItemStatus;
  /** Makes the item ok; progress goes to `log` and to stderr. Absent when setup cannot help. */
  install?(log: Log): Promise<void>;
}
