/**
 * `ktstr verifier`'s work for one scheduler on one kernel: boot a cell with the scheduler,
 * wait until it is attached (the cell's command only starts then), read every struct_ops
 * program's verified_insns from bpf_prog_aux in guest memory, and compare the programs with the
 * ones the scheduler's BPF object declares. When the load is refused, the loader's output holds
 * libbpf's copy of the verifier log; the cell reports only its tail, so a log cut short is read
 * again whole by running the loader directly as a command, its output streamed to the host.
 */
import { basename } from 'node:path';
import type { SchedulerDecl } from '../api/declare-scheduler.js';
import { resolveSchedulerBinary } from '../api/declare-scheduler.js';
import { KtstrError } from '../errors.js';
import { fixtureDir } from '../fixture.js';
import type { ResolvedKernel } from '../kernel/resolve.js';
import { BtfError } from '../monitor/btf/btf-error.js';
import { readElfBtf } from '../monitor/btf/load.js';
import { BpfState } from '../monitor/bpf/bpf-state.js';
import type { BpfProgInfo } from '../monitor/bpf/programs.js';
import { KernelProgram } from '../monitor/program.js';
import { Unavailable } from '../monitor/unavailable.js';
import { CellVm } from '../runner/cell-vm.js';
import { captureKernelSymbols } from '../runner/symbol-capture.js';
import type { Topology } from '../topology/topology.js';
import { topologyLabel } from '../topology/topology.js';
import { type BpfProgramSymbol, schedulerStructOps } from './bpf-object.js';
import { progLoadLogs, type ProgLoadLog } from './loader-log.js';

/** bpf_prog_aux.name holds BPF_OBJ_NAME_LEN - 1 characters. */
const KERNEL_NAME_LEN = 15;
const ATTACHED = 'ktstr-verifier: attached';

export interface VerifiedProgram {
  /** The program's function name from the object when it matched, else the kernel's (truncated) name. */
  readonly name: string;
  /** The ops member it implements ('select_cpu'); null when the kernel did not say. */
  readonly member: string | null;
  readonly id: number;
  /** Instructions the verifier processed (bpf_prog_aux.verified_insns). */
  readonly verifiedInsns: number;
  /** Instructions after the verifier's rewrites (bpf_prog.len). */
  readonly insns: number;
}

export interface VerifierResult {
  readonly kernel: string;
  readonly scheduler: string;
  readonly binary: string;
  /** The arguments it was loaded with (its declaration's, then --sched-arg's). */
  readonly args: readonly string[];
  readonly topology: string;
  /** loaded: attached and read; rejected: the verifier refused a program; failed: the load failed otherwise. */
  readonly outcome: 'loaded' | 'rejected' | 'failed';
  readonly programs: readonly VerifiedProgram[];
  /** The struct_ops programs the scheduler's BPF object declares (empty when it embeds none). */
  readonly declared: readonly string[];
  /** Declared but not loaded (a loader may disable ops the kernel lacks). */
  readonly notLoaded: readonly string[];
  /** Why the scheduler exited, when it did. */
  readonly reason: string | null;
  /** The verifier's log(s) from the loader's output, when a load was refused. */
  readonly logs: readonly ProgLoadLog[];
  /** The loader's whole output when the load failed (the whole verifier log is in it). */
  readonly output: string | null;
}

export interface VerifyOptions {
  readonly kernel: ResolvedKernel;
  readonly scheduler: SchedulerDecl;
  readonly topology: Topology;
  readonly extraSchedArgs?: readonly string[];
  readonly log?: (line: string) => void;
}

export async function verifyScheduler(o: VerifyOptions): Promise<VerifierResult> {
  const log = o.log ?? (() => {});
  const { kernel, scheduler } = o;
  if (!kernel.vmlinux) {
    throw new KtstrError('--kernel', kernel.label, 'has no vmlinux beside its image, so its BTF (the offsets of bpf_prog_aux) is unknown', 'Use a kernel from the ktstr cache (`ktstr kernel fetch`), which keeps vmlinux.');
  }
  const vmlinux = readElfBtf(kernel.vmlinux);
  if (vmlinux instanceof BtfError) throw new KtstrError(kernel.vmlinux, 'its .BTF', vmlinux.message, 'Use a kernel built with CONFIG_DEBUG_INFO_BTF.');
  const binary = resolveSchedulerBinary(scheduler, [fixtureDir()]);
  const declared = declaredPrograms(binary);
  // The counts are read from guest memory through the kernel's symbols (either architecture).
  const linked = await captureKernelSymbols(kernel);
  const base = { kernel: kernel.label, scheduler: scheduler.name, binary, args: [...scheduler.schedArgs, ...(o.extraSchedArgs ?? [])], topology: topologyLabel(o.topology), declared: declared.map((d) => d.name) };

  log(`${scheduler.name} on ${kernel.label}: booting ${base.topology}`);
  const cell = await CellVm.boot({
    name: `verifier/${scheduler.name}/${kernel.label}`, kernel, topology: o.topology, scheduler,
    durationMs: 1, ...(o.extraSchedArgs?.length ? { extraSchedArgs: o.extraSchedArgs } : {}),
  });
  let attached!: () => void;
  const attachedP = new Promise<'attached'>((resolve) => (attached = () => resolve('attached')));
  // The cell's command starts only once the scheduler is attached; it says so and waits to be torn down.
  const run = cell.runCommand({ exec: `echo '${ATTACHED}'; sleep 600` }, (_stream, data) => {
    if (data.includes(ATTACHED)) attached();
  }).then((r) => r, (e: Error) => e);
  try {
    const first = await Promise.race([attachedP, run]);
    if (first === 'attached') {
      const programs = readStructOps(cell, linked, vmlinux, declared);
      return { ...base, outcome: 'loaded', programs, notLoaded: notLoaded(declared, programs), reason: null, logs: [], output: null };
    }
    if (first instanceof Error) throw first;
    const exit = first.schedulerExit;
    if (!exit) throw new KtstrError(`verifier/${scheduler.name}`, first.status, 'the cell ended without the scheduler attaching or exiting', 'Run `ktstr shell --scheduler ...` to see what the guest does.');
    let output = exit.output;
    // The cell keeps the tail of the loader's output: when the log's start or end is not in it,
    // read the whole output by running the loader again, directly.
    if (progLoadLogs(output).some((l) => !l.complete) || (progLoadLogs(output).length === 0 && output.length >= 8000)) {
      log(`${scheduler.name}: the cell kept only the tail of the loader's output; running the loader again for the whole log`);
      output = await loaderOutput(o, binary);
    }
    const logs = progLoadLogs(output);
    return { ...base, outcome: logs.length > 0 ? 'rejected' : 'failed', programs: [], notLoaded: [], reason: exit.reason, logs, output };
  } finally {
    await cell.destroy();
    await run;
  }
}

function declaredPrograms(binary: string): BpfProgramSymbol[] {
  try {
    return schedulerStructOps(binary);
  } catch {
    // A scheduler that is not a skeleton loader (or a script) declares nothing we can read.
    return [];
  }
}

function readStructOps(cell: CellVm, linked: Awaited<ReturnType<typeof captureKernelSymbols>>, vmlinux: Exclude<ReturnType<typeof readElfBtf>, BtfError>, declared: readonly BpfProgramSymbol[]): VerifiedProgram[] {
  const prog = KernelProgram.open(cell.ramNodes, linked);
  if (prog instanceof Unavailable) throw new KtstrError('guest memory', prog.unavailable, 'cannot be read', 'Check `ktstr doctor`; the monitor needs the VM\'s RAM files.');
  const bpf = BpfState.open(prog, vmlinux);
  if (bpf instanceof Unavailable) throw new KtstrError('kernel BTF', bpf.unavailable, 'lacks the BPF structs', 'Use a kernel with CONFIG_DEBUG_INFO_BTF.');
  const all = bpf.programs();
  if (all instanceof Unavailable) throw new KtstrError('prog_idr', all.unavailable, 'cannot be walked', 'Capture the kernel\'s symbols again (they come from /proc/kallsyms of a guest).');
  // Only one scheduler runs in the guest, so every struct_ops program is its.
  return all.filter((p): p is BpfProgInfo => !(p instanceof Unavailable) && p.type === 'struct_ops').map((p) => ({
    name: declared.find((d) => d.name.slice(0, KERNEL_NAME_LEN) === p.name)?.name ?? p.name,
    member: typeof p.attachFuncName === 'string' ? p.attachFuncName : null,
    id: p.id,
    verifiedInsns: p.verifiedInsns,
    insns: p.insns,
  }));
}

function notLoaded(declared: readonly BpfProgramSymbol[], programs: readonly VerifiedProgram[]): string[] {
  return declared.filter((d) => !programs.some((p) => p.name === d.name)).map((d) => d.name);
}

/** The loader run as a command (no attach wait), its whole output streamed back. */
async function loaderOutput(o: VerifyOptions, binary: string): Promise<string> {
  const guestPath = `/bin/${basename(binary)}`;
  const args = [...o.scheduler.schedArgs, ...(o.extraSchedArgs ?? [])].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const cell = await CellVm.boot({
    name: `verifier/${o.scheduler.name}/${o.kernel.label}/log`, kernel: o.kernel, topology: o.topology, durationMs: 1,
    includeFiles: [{ hostPath: binary, guestPath }],
  });
  // Should the load succeed this time, the loader is stopped after a while rather than run forever.
  const r = await cell.runCommand({ exec: `${guestPath} ${args} 2>&1 & p=$!; i=0; while kill -0 $p 2>/dev/null && [ $i -lt 300 ]; do sleep 0.2; i=$((i+1)); done; kill $p 2>/dev/null; wait $p` });
  return r.stdout;
}
