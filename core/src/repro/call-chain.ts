/**
 * The call chain of a sched_ext exit, from the kernel's exit dump: the indented lines after
 * `Backtrace:` (scx_dump_state), innermost first, e.g.
 *
 *   __scx_exit+0x4f/0x70
 *   scx_bpf_error_bstr+0x91/0xd0
 *   bpf_prog_300904276e5e3953_ktstr_select_cpu+0x1eb/0x29d     <- the scheduler's callback
 *   bpf__sched_ext_ops_select_cpu+0x54/0xb9                    <- its struct_ops trampoline
 *   select_task_rq_scx+0x152/0x360                             <- the kernel's caller
 *   try_to_wake_up+0x1a6/0x880
 *   ...
 */

export interface Frame {
  /** The line as the dump printed it (trimmed). */
  readonly line: string;
  /** The symbol: a kernel function, or for a BPF program `bpf_prog_<tag>_<name>`. */
  readonly symbol: string;
  /** The module in brackets, when the function is in one. */
  readonly module?: string;
  /** A BPF program's name (from `bpf_prog_<tag>_<name>`). */
  readonly bpfProgram?: string;
  /** A struct_ops trampoline's sched_ext_ops member (from `bpf__sched_ext_ops_<member>`). */
  readonly opsMember?: string;
}

const FRAME = /^([A-Za-z_.$][\w.$]*)\+0x[0-9a-f]+\/0x[0-9a-f]+(?:\s+\[([\w-]+)\])?$/;
const BPF_PROG = /^bpf_prog_[0-9a-f]{16}_(\w+)$/;
const OPS_TRAMPOLINE = /^bpf__sched_ext_ops_(\w+)$/;

/** The frames of the first `Backtrace:` block in `text` (a scheduler's output or the dump itself); [] when there is none. */
export function exitCallChain(text: string): Frame[] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const start = lines.findIndex((l) => /^\s*Backtrace:\s*$/.test(l));
  if (start < 0) return [];
  const frames: Frame[] = [];
  for (const raw of lines.slice(start + 1)) {
    if (!/^\s/.test(raw) || raw.trim() === '') break;
    const f = parseFrame(raw.trim());
    if (f === undefined) break;
    frames.push(f);
  }
  return frames;
}

/**
 * The chain of a scheduler exit: from the kernel's own copy of the dump (the sched_ext_dump trace
 * event the agent records, `kernelDump`) when it has one, else from the loader's output.
 */
export function schedulerExitChain(exit: { readonly output: string; readonly kernelDump?: string }): Frame[] {
  const fromKernel = exit.kernelDump === undefined ? [] : exitCallChain(exit.kernelDump);
  return fromKernel.length > 0 ? fromKernel : exitCallChain(exit.output);
}

export function parseFrame(line: string): Frame | undefined {
  const m = FRAME.exec(line);
  if (!m) return undefined;
  const symbol = m[1]!;
  const prog = BPF_PROG.exec(symbol);
  const ops = OPS_TRAMPOLINE.exec(symbol);
  return {
    line, symbol,
    ...(m[2] ? { module: m[2] } : {}),
    ...(prog ? { bpfProgram: prog[1]! } : {}),
    ...(ops ? { opsMember: ops[1]! } : {}),
  };
}

/** A place to probe: a kernel function, or a scheduler callback (its BPF program and ops member). */
export type ChainSite =
  | { readonly kind: 'kernel'; readonly name: string; readonly frame: string }
  | { readonly kind: 'struct_ops'; readonly name: string; readonly opsMember?: string; readonly frame: string };

/** Kernel frames probed below the innermost callback: the scheduler core that called it and its caller. */
export const CALLERS_BELOW_CALLBACK = 2;
/** Without a callback on the chain (a watchdog stall, a kernel-side error), the innermost frames probed. */
export const FRAMES_WITHOUT_CALLBACK = 4;

/** Entry code, interrupt stubs and the idle loop: on every chain, never the scheduler's story. */
const NOT_A_SITE = /^(asm_|ret_from_|common_startup|start_secondary|cpu_startup_entry|do_idle|default_idle|pv_native_safe_halt|entry_|__irq_exit_rcu|irq_exit_rcu|handle_softirqs|__do_softirq|sysvec_|do_syscall_64|kthread$|worker_thread$)/;

/**
 * Which frames to probe: every frame from the innermost through the innermost scheduler callback
 * (the error path and the callback itself), then the kernel frames that called the callback, up
 * to CALLERS_BELOW_CALLBACK; trampolines and entry code are skipped, and a function is probed once.
 */
export function chainSites(frames: readonly Frame[]): ChainSite[] {
  const callback = frames.findIndex((f) => f.bpfProgram !== undefined);
  const out: ChainSite[] = [];
  const seen = new Set<string>();
  const add = (f: Frame, next: Frame | undefined) => {
    if (f.opsMember !== undefined || NOT_A_SITE.test(f.symbol) || seen.has(f.symbol)) return;
    seen.add(f.symbol);
    if (f.bpfProgram !== undefined) {
      const member = next?.opsMember;
      out.push({ kind: 'struct_ops', name: f.bpfProgram, frame: f.line, ...(member ? { opsMember: member } : {}) });
    } else {
      out.push({ kind: 'kernel', name: f.symbol, frame: f.line });
    }
  };
  if (callback < 0) {
    for (const f of frames) {
      if (out.length >= FRAMES_WITHOUT_CALLBACK) break;
      add(f, undefined);
    }
    return out;
  }
  for (let i = 0; i <= callback; i++) add(frames[i]!, frames[i + 1]);
  let callers = 0;
  for (let i = callback + 1; i < frames.length && callers < CALLERS_BELOW_CALLBACK; i++) {
    const f = frames[i]!;
    if (f.opsMember !== undefined || f.bpfProgram !== undefined || NOT_A_SITE.test(f.symbol)) continue;
    add(f, undefined);
    callers++;
  }
  return out;
}
