/**
 * Elapsed time as the guest lived it: host time since an anchor, less every span the host kept
 * the guest stopped for a capture. Under TCG (and KVM) the guest's clocks stand still while QEMU
 * has it stopped, so a rate per elapsed ms is not diluted by the monitor's own pauses.
 */
export class PauseClock {
  private pausedMs = 0;
  private pauseStart: number | undefined;

  constructor(
    /** Host time (performance.now()) of elapsed 0. */
    readonly anchor: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The guest is about to stop (call before sending `stop`: the whole round trip counts). */
  pause(): void {
    if (this.pauseStart === undefined) this.pauseStart = this.now();
  }

  /** The guest runs again (call after `cont` answered); returns this pause's length. */
  resume(): number {
    if (this.pauseStart === undefined) return 0;
    const ms = this.now() - this.pauseStart;
    this.pausedMs += ms;
    this.pauseStart = undefined;
    return ms;
  }

  /** Total ms the guest spent stopped since the anchor (an open pause counts up to now). */
  get totalPausedMs(): number {
    return this.pausedMs + (this.pauseStart !== undefined ? this.now() - this.pauseStart : 0);
  }

  /** Elapsed guest ms at host time `at` (default now); frozen during a pause. */
  elapsedMs(at: number = this.now()): number {
    const open = this.pauseStart !== undefined ? at - this.pauseStart : 0;
    return Math.max(0, at - this.anchor - this.pausedMs - Math.max(0, open));
  }

  /** Host time at which elapsed reaches `elapsedMs`, if no further pause happens. */
  hostTimeAt(elapsedMs: number): number {
    return this.anchor + this.pausedMs + elapsedMs;
  }
}
