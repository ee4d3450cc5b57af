/**
 * What auto-repro found, attached to a crashed cell's result as `autoRepro` (CellResult) for the
 * failure dump to render. Plain JSON: numbers, strings, arrays and records; addresses are hex
 * strings so they survive JSON.
 */

/** One argument of one call, as the probe saw it. */
export interface ReproArg {
  /** The parameter's name in the kernel's BTF ('p'), or `arg<N>` when the function has no BTF prototype. */
  readonly name: string;
  /** Its C type ('struct task_struct *', 'int', ...), or 'unknown' without a prototype. */
  readonly type: string;
  /** The register or context slot, as hex ('0xffff888004a1c000', '0x3'). */
  readonly value: string;
  /** Decoded from the 64-bit slot with the parameter's type, when it is an integer, bool or enum. */
  readonly decoded?: number | string | boolean;
  /**
   * Fields of the struct the argument points at, read in the guest at the moment of the call
   * (a task's pid and comm, a runqueue's cpu); a field whose read failed is null.
   */
  readonly fields?: Readonly<Record<string, number | string | boolean | null>>;
}

/** One recorded call of one probed site. */
export interface ReproCall {
  /** The site's function name. */
  readonly site: string;
  /** Guest monotonic time of the call in ns (bpf_ktime_get_ns), as a decimal string. */
  readonly tNs: string;
  /** Milliseconds before the scheduler's exit fired (0 or more; the exit is the probe's trigger). */
  readonly beforeExitMs: number;
  readonly cpu: number;
  /** The task that was current on the CPU (its pid and comm), which need not be an argument. */
  readonly pid: number;
  readonly comm: string;
  readonly args: readonly ReproArg[];
}

/** One function of the exit's call chain, and what probing it gave. */
export interface ReproSite {
  /** The function ('select_task_rq_scx') or the struct_ops program ('ktstr_select_cpu'). */
  readonly name: string;
  /** 'kernel': a kernel function, probed with a kprobe; 'struct_ops': a scheduler callback, probed with fentry on its BPF program. */
  readonly kind: 'kernel' | 'struct_ops';
  /** For a callback, the sched_ext_ops member it implements ('select_cpu'). */
  readonly opsMember?: string;
  /** The backtrace line it came from. */
  readonly frame: string;
  readonly attached: boolean;
  /** Why it was not attached (or not probed at all). */
  readonly why?: string;
  /** Its recorded calls, oldest first (the last few per CPU before the exit). */
  readonly calls: readonly ReproCall[];
}

export interface AutoReproReport {
  /**
   * 'captured': the rerun crashed and the probes recorded calls; 'not-reproduced': the rerun did
   * not crash the same way (or at all); 'no-sites': the exit dump had no call chain to probe;
   * 'failed': the rerun could not be made (the reason says why).
   */
  readonly status: 'captured' | 'not-reproduced' | 'no-sites' | 'failed';
  readonly reason?: string;
  /** The call chain as the first run's exit dump gave it, innermost first. */
  readonly chain: readonly string[];
  readonly sites: readonly ReproSite[];
  /** Every recorded call of every site, oldest first. */
  readonly calls: readonly ReproCall[];
  /** The exit that triggered the capture in the rerun: how it was seen and the kernel's exit kind. */
  readonly trigger?: { readonly by: 'scx_vexit' | 'sched_ext_dump'; readonly kind: number; readonly cpu: number };
  /** The rerun's own exit reason, to compare with the first run's. */
  readonly rerunReason?: string;
  /** Host wall time of the whole auto-repro (the rerun's boot and run included), apart from the cell's. */
  readonly durationMs: number;
}

/** The short form kept in the cell's record (the full report is in the failed result and its dump). */
export interface AutoReproSummary {
  status: AutoReproReport['status'];
  reason?: string;
  /** The rerun's wall time, apart from the cell's durationMs. */
  durationMs: number;
  /** Sites that recorded calls, and the calls recorded. */
  sites: number;
  calls: number;
}
