/**
 * One cell's VM, from boot to result: build the initramfs, start the backend, check the
 * topology the guest reports, send the cell, open the readiness gate, collect the results,
 * and tear everything down. Data flows one way: plan -> kernel -> initramfs -> backend ->
 * guest -> result.
 */
import { performance } from 'node:perf_hooks';
import type { ResolvedKernel } from '../kernel/resolve.js';
import type { SchedulerDecl } from '../api/declare-scheduler.js';
import { EXIT_DUMP_LEN, resolveSchedulerBinary } from '../api/declare-scheduler.js';
import { type Topology, topologyLabel } from '../topology/topology.js';
import { compareTopology, observeTopology } from '../topology/guest-check.js';
import { QemuVm, type VmRequest } from '../vm/qemu-backend.js';
import { baseImage } from '../initramfs/guest-image.js';
import { aarch64BaseImage } from '../initramfs/aarch64-guest.js';
import { checkSchedulerArch } from './arch-check.js';
import { cellPayload, type HostFile, schedulerGuestPath } from '../initramfs/cell-payload.js';
import { encodeClock, encodePutFile, encodeSymlink } from '../channel/framing.js';
import { startGuest, type StartedGuest } from './guest-start.js';
import { attachSnapshotDisabledReason, startAttached } from './attach-start.js';
import { launchDeferredSpare, spareSettled } from './spare-vm.js';
import { vmEndReason } from './vm-end-reason.js';
import { markCell } from '../vm/cell-timeline.js';
import { randomBytes } from 'node:crypto';
import { buildCommandCell, encodeScenarioCell } from '../scenario/encode.js';
import type { CgroupDef } from '../scenario/cgroup.js';
import type { HoldSpec } from '../scenario/hold.js';
import type { Scenario } from '../scenario/scenario.js';
import { oneStepScenario } from '../scenario/one-step.js';
import { validateScenario } from '../scenario/validate.js';
import type { DoneMessage, ExecExitMessage, GuestMessage, HelloMessage, SchedExitMessage } from '../channel/messages.js';
import { CellResult, type SchedulerExit, schedulerExitFrom } from '../result/cell-result.js';
import { analyzeMessages } from '../result/scenario-analysis.js';
import { type StepCpusets, stepCpusets } from '../result/step-cpusets.js';
import { fixtureDir, SCX_KTSTR } from '../fixture.js';
import { aarch64FixtureScheduler } from '../setup/fixture-build-aarch64.js';
import { dirname, join } from 'node:path';
import { ensureFixtureScheduler } from '../setup/fixture-build.js';
import { checkConfigPairing, configArgs, configContent } from '../api/config-pairing.js';
import { saveCollectedFiles, schedulerBinaryForRun, withCoverageDirectives } from '../coverage/guest-coverage.js';
import type { MonitorSettings } from '../monitor/sampler/options.js';
import { prepareMonitor, type PreparedMonitor } from '../monitor/sampler/prepare.js';
import { MonitorLoop } from '../monitor/sampler/monitor-loop.js';
import { disabledMonitor, type MonitorResult } from '../monitor/sampler/monitor-result.js';
import { KernelProgram } from '../monitor/program.js';
import type { QmpClient } from '../vm/qmp.js';
import type { Btf } from '../monitor/btf/btf.js';
import { startCpuTimeMeasure, type SchedTimesMs } from '../host/process-cpu-time.js';

/** A TCG boot on a loaded 2-core host takes up to ~15 s; a boot this late has hung. */
export const DEFAULT_BOOT_TIMEOUT_MS = 90_000;

export interface CellPlan {
  /** `test/topology/kernel`. */
  name: string;
  kernel: ResolvedKernel;
  topology: Topology;
  scheduler?: SchedulerDecl;
  /** Arguments after the scheduler's own schedArgs. */
  extraSchedArgs?: readonly string[];
  /** The test's duration; `hold.fraction(f)` is a fraction of it. */
  durationMs: number;
  memoryMiB?: number;
  /** Host files copied into the guest with their shared libraries. */
  includeFiles?: readonly HostFile[];
  bootTimeoutMs?: number;
  /** 'terminal' puts the guest's serial console on this process's terminal (ktstr shell). */
  console?: 'log' | 'terminal';
  /** Content of the scheduler's config file, for a scheduler declared with configFile. */
  config?: unknown;
  /** Boot with KASLR instead of `nokaslr` (the monitor finds the kernel either way). */
  kaslr?: boolean;
  /**
   * Sample the guest from the host while the scenario runs (ktstrTest turns it on unless the
   * test says `monitor: false`); absent: no monitor, and `r.monitor` says so.
   */
  monitor?: MonitorSettings;
  /** Where the monitor's lines go (ktstrTest: stderr and the run's event file); stderr by default. */
  log?: (line: string) => void;
  /** Load the scheduler for real even when a post-attach snapshot of it exists (docs/snapshots.md). */
  freshAttach?: boolean;
}

export type CommandSpec = { exec: string } | { shell: true; term?: string };

export interface CommandResult {
  /** Exit status of the command (128 + signal when killed), null if it could not be reaped. */
  status: number | null;
  stdout: string;
  stderr: string;
  schedulerExit: SchedulerExit | null;
}

export interface RunOptions {
  /** The cell expects the scheduler to exit (failure-knob tests); otherwise an exit fails the run. */
  allowSchedulerExit?: boolean;
}

export class SchedulerExitError extends Error {
  constructor(readonly result: CellResult) {
    const e = result.schedulerExit!;
    super([
      `${result.cell}: scheduler ${result.scheduler ?? ''} exited during ${e.phase}: ${e.reason}`,
      e.dmesg.length ? `kernel log:\n  ${e.dmesg.join('\n  ')}` : '',
      e.output.trim() ? `scheduler output (tail):\n  ${e.output.trim().split('\n').slice(-20).join('\n  ')}` : '',
    ].filter(Boolean).join('\n'));
    this.name = 'SchedulerExitError';
  }
}

export class CellError extends Error {
  /** The message without the console tail. */
  readonly firstLine: string;

  constructor(message: string, readonly consoleLog: string, readonly earlyBootFailure = false) {
    super(`${message}${consoleLog ? `\n--- console (tail) ---\n${consoleLog.trim().split('\n').slice(-25).join('\n')}` : ''}`);
    this.name = 'CellError';
    this.firstLine = message.split('\n')[0]!;
  }
}

/** A booted cell whose guest said hello and matches the requested topology. */
export class CellVm {
  private ran = false;
  /** The monitor's symbols and reader, or why it cannot run; set by boot() when the plan asks for it. */
  private monitorPrep: PreparedMonitor | string | undefined;
  /** The post-attach snapshot key of this cell's scheduler launch, when it used post-attach snapshots. */
  attachKey: string | undefined;

  private constructor(
    readonly plan: CellPlan,
    private readonly vm: QemuVm,
    readonly hello: HelloMessage,
    /** Host wall time from the boot request to a guest ready for its cell. */
    readonly bootMs: number,
    /** restored from a snapshot, or cold-booted. */
    readonly bootedHow: StartedGuest['how'],
    private readonly schedulerGuestPath: string | undefined,
    /**
     * The scheduler was started before the cell (post-attach snapshots): 'attached' (restored or
     * attached now; the cell only sends its scenario), 'failed' (the channel holds why, and the
     * cell reports it), 'no' (the cell starts it, as without snapshots).
     */
    private readonly preAttach: 'attached' | 'failed' | 'no' = 'no',
  ) {}

  static async boot(plan: CellPlan): Promise<CellVm> {
    markCell('boot() called');
    // Before anything boots: a missing or unwanted config is the test's mistake, not the VM's.
    checkConfigPairing(plan.scheduler, plan.config, plan.name);
    const arch = plan.kernel.arch ?? 'x86_64';
    if (arch === 'x86_64') ensureFixtureScheduler(plan.scheduler?.binary, plan.kernel.vmlinuz);
    // On aarch64 the fixture is its arm64 build, made against this kernel's BTF (setup/fixture-build-aarch64.ts).
    const schedulerHost = !plan.scheduler ? undefined : arch === 'aarch64' && plan.scheduler.binary === SCX_KTSTR.binary
      ? aarch64FixtureScheduler(plan.kernel.vmlinux ?? join(dirname(plan.kernel.vmlinuz), 'vmlinux'), plan.log)
      : schedulerBinaryForRun(plan.scheduler, resolveSchedulerBinary(plan.scheduler, [fixtureDir()]));
    const payload = cellPayload({ scheduler: schedulerHost, includeFiles: plan.includeFiles ?? [] });
    // Before this cell's guest: a first run of a kernel boots one of its own to capture symbols.
    // Both architectures: the monitor reads the machine (q35 or virt) its kernel's symbols describe.
    const monitorPrep = !plan.monitor ? undefined : await CellVm.prepareMonitor(plan);
    // The scheduler must be built for the guest's architecture (an x86_64 binary cannot run in an arm64 guest).
    if (schedulerHost) checkSchedulerArch(schedulerHost, arch, plan.name);
    const base = arch === 'aarch64' ? await aarch64BaseImage(plan.log) : baseImage();
    const request: VmRequest = {
      topology: plan.topology,
      memoryMiB: plan.memoryMiB ?? defaultMemoryMiB(plan.topology),
      kernel: plan.kernel.vmlinuz,
      initrd: { path: base.path },
      console: plan.console,
      kaslr: plan.kaslr,
      ...(arch === 'aarch64' ? { arch } : {}),
    };
    const startOptions = {
      name: plan.name,
      request,
      baseImageKey: base.key,
      bootTimeoutMs: plan.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS,
      coldBoot: (r: VmRequest) => CellVm.coldBoot(plan, r),
    };
    // A scheduler cell starts from a guest whose scheduler is already attached when it can
    // (attach-start.ts); the payload then went in before the attach.
    const launch = schedulerHost ? launchOf(plan, schedulerGuestPath(schedulerHost)) : undefined;
    const cf = plan.scheduler?.configFile;
    markCell('host inputs ready');
    const started = launch && !attachSnapshotDisabledReason(plan)
      ? await startAttached({
        ...startOptions, payload, launch,
        schedTimeoutMs: plan.scheduler?.attachTimeoutMs ?? 0,
        config: cf ? { guestPath: cf.guestPath, content: configContent(plan.config, `${plan.name}: config`) } : undefined,
        schedulerLabel: [plan.scheduler!.name, ...launch.args].join(' '),
      })
      : { ...(await startGuest(startOptions)), attached: undefined, attachKey: undefined };
    const preAttach = started.attachKey === undefined ? 'no' : started.attached ? 'attached' : 'failed';
    const { vm, hello } = started;
    try {
      // An agent without the node report fails a multi-node cell: its HMAT would go unchecked.
      // aarch64 boots from a device tree, which has no HMAT (qemu-args-aarch64.ts): nodes' access
      // classes are left out of the comparison there.
      const diffs = compareTopology(plan.topology, observeTopology(hello.cpus, arch === 'aarch64' ? undefined : hello.nodes ?? []));
      if (diffs.length > 0) {
        throw new CellError(`${plan.name}: the guest's topology differs from ${topologyLabel(plan.topology)}:\n  ${diffs.join('\n  ')}`, vm.consoleLog());
      }
      // What varies per cell goes in now, so one booted (or restored) guest serves any scheduler.
      for (const e of preAttach === 'no' ? payload : []) {
        if (e.kind === 'file') vm.channel.send('file', encodePutFile(e.guestPath, e.mode, e.content));
        else vm.channel.send('symlink', encodeSymlink(e.guestPath, e.target));
      }
      vm.channel.send('reseed', randomBytes(64));
      vm.channel.send('clock', encodeClock());
    } catch (e) {
      const log = await vm.destroy();
      if (e instanceof CellError) throw e;
      throw new CellError(`${plan.name}: ${(e as Error).message}`, log);
    }
    markCell('per-cell frames sent');
    const cell = new CellVm(plan, vm, hello, started.bootMs, started.how, schedulerHost ? schedulerGuestPath(schedulerHost) : undefined, preAttach);
    cell.monitorPrep = monitorPrep;
    cell.attachKey = started.attachKey;
    return cell;
  }

  private static async prepareMonitor(plan: CellPlan): Promise<PreparedMonitor | string> {
    try {
      // Imported here: symbol-capture boots a CellVm (without a monitor) and so imports this module.
      const { captureKernelSymbols } = await import('./symbol-capture.js');
      return await prepareMonitor(plan.kernel, captureKernelSymbols, (line) => (plan.log ? plan.log(`${plan.name}: ${line}`) : process.stderr.write(`ktstr: ${plan.name}: ${line}\n`)));
    } catch (e) {
      return `the monitor could not be prepared: ${(e as Error).message.split('\n')[0]}`;
    }
  }

  /** A cold boot up to the agent's hello, retrying a boot that died before the agent started. */
  private static async coldBoot(plan: CellPlan, request: VmRequest): Promise<{ vm: QemuVm; hello: HelloMessage }> {
    const attempts = Math.max(1, Number(process.env.KTSTR_BOOT_ATTEMPTS ?? 2));
    for (let attempt = 1; ; attempt++) {
      try {
        return await CellVm.coldBootOnce(plan, request);
      } catch (e) {
        // Multi-threaded TCG occasionally oopses or hangs while the kernel patches its own code
        // in early boot (seen about once in 15 boots, before init runs). That is the emulator,
        // not the test: retry a boot that failed before the agent started, and say so. Nothing
        // that happens after the agent started is ever retried.
        const early = e instanceof CellError && e.earlyBootFailure;
        if (!early || attempt >= attempts) throw e;
        process.stderr.write(`ktstr: ${plan.name}: boot attempt ${attempt} died before the guest agent started `
          + `(${(e as CellError).firstLine}); retrying\n`);
      }
    }
  }

  private static async coldBootOnce(plan: CellPlan, request: VmRequest): Promise<{ vm: QemuVm; hello: HelloMessage }> {
    const vm = await QemuVm.start(request);
    try {
      const hello = await vm.channel.waitFor('hello', plan.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS);
      return { vm, hello: hello as HelloMessage };
    } catch (e) {
      const log = await vm.destroy();
      const agentStarted = log.includes('ktstr-guest[');
      throw new CellError(`${plan.name}: the guest did not come up: ${(e as Error).message}`, log, !agentStarted);
    }
  }

  get accel(): string {
    return `${this.vm.accel.accel} (${this.vm.accel.reason})`;
  }

  get pid(): number | undefined {
    return this.vm.pid;
  }

  /** Calls `fn` with every guest message as it arrives, for tools that follow a running cell (bench/monitor.ts). */
  onGuestMessage(fn: (m: GuestMessage) => void): void {
    this.vm.channel.onMessage(fn);
  }

  /** A QMP connection to stop and continue the running guest (the caller closes it; one at a time). */
  openQmp(): Promise<QmpClient> {
    return this.vm.openQmp();
  }

  /** The guest's RAM files (one per node, with sizes), for the host-side monitor to map while the guest runs. */
  get ramNodes(): { node: number; file: string; bytes: bigint }[] {
    return this.vm.ramNodes;
  }

  /**
   * Runs every cgroup for one hold: a one-step scenario that adds them all (the guest powers
   * off after it) and returns the result.
   */
  async run(cgroups: readonly CgroupDef[], hold: HoldSpec, options: RunOptions = {}): Promise<CellResult> {
    return this.runScenario(oneStepScenario(cgroups, hold), options);
  }

  /**
   * Runs a scenario of steps once (the guest powers off after it) and returns the result. The
   * scenario is validated against the cell's topology first; a bad one fails here, with the
   * path of its bad field, and the VM is torn down.
   */
  async runScenario(scenario: Scenario, options: RunOptions = {}): Promise<CellResult> {
    let description: string;
    let durationMs: number;
    let cpusets: StepCpusets[];
    try {
      const resolved = validateScenario(scenario, this.plan.topology, { durationMs: this.plan.durationMs });
      durationMs = resolved.totalHoldMs;
      // The guest reports where workers ran, not their cpusets: the result carries them from here.
      cpusets = stepCpusets(scenario, this.plan.topology);
      description = encodeScenarioCell(resolved, { scheduler: this.schedulerLaunch(), schedTimeoutMs: this.plan.scheduler?.attachTimeoutMs ?? 0 });
      // Under `ktstr coverage`: the loader's gcov environment and `collect` (core/src/coverage/).
      description = withCoverageDirectives(description, this.schedulerLaunch() !== undefined);
    } catch (e) {
      await this.vm.destroy();
      throw e;
    }
    const monitor = this.monitorFor(durationMs, scenario.steps.length);
    // The holds, plus time for workers to stop, report and the guest to power off.
    let exchanged: Awaited<ReturnType<CellVm['exchange']>>;
    try {
      // A scheduler's maps outlive its exit in the powered-off guest (the agent holds them): keep
      // the RAM until destroy(), for a failure dump (postMortem()).
      exchanged = await this.exchange(description, durationMs + 60_000, { keepRam: this.postMortemPossible() });
    } finally {
      if (monitor instanceof Function) await monitor().catch(() => undefined);
    }
    markCell('monitor stopped');
    const { done, readyMs, log, vmTimes } = exchanged;
    saveCollectedFiles(this.plan.name, this.vm.channel.received);
    const monitorResult = monitor instanceof Function ? await monitor() : monitor;
    const result = this.resultFrom(this.vm.channel.received, readyMs, durationMs, log, cpusets, monitorResult);
    if (vmTimes) {
      result.vmCpuMs = vmTimes.cpuMs;
      if (vmTimes.waitMs !== null) result.vmWaitMs = vmTimes.waitMs;
    }
    markCell('result built');
    if (result.schedulerExit && !options.allowSchedulerExit) throw new SchedulerExitError(result);
    if (!done.ok && !result.schedulerExit) {
      throw new CellError(`${this.plan.name}: the guest agent reported failure: ${this.agentErrors() || 'no detail'}`, log);
    }
    return result;
  }

  /**
   * Runs one shell command (`exec`) or an interactive shell on the serial console instead of a
   * scenario; the guest powers off afterwards. Output is streamed to `onOutput` as it arrives.
   */
  async runCommand(command: CommandSpec, onOutput: (stream: 'stdout' | 'stderr', data: string) => void = () => {}): Promise<CommandResult> {
    const out = { stdout: '', stderr: '' };
    this.vm.channel.onMessage((m) => {
      if (m.type !== 'output') return;
      out[m.stream] += m.data;
      onOutput(m.stream, m.data);
    });
    const description = buildCommandCell({
      scheduler: this.schedulerLaunch(),
      schedTimeoutMs: this.plan.scheduler?.attachTimeoutMs ?? 0,
      command,
    });
    // A command or a shell session may take as long as its user wants.
    await this.exchange(description, 365 * 24 * 3600_000);
    const received = this.vm.channel.received;
    const exit = received.find((m): m is SchedExitMessage => m.type === 'sched_exit');
    const status = received.find((m): m is ExecExitMessage => m.type === 'exec_exit');
    if (!status && !exit && this.agentErrors()) throw new CellError(`${this.plan.name}: ${this.agentErrors()}`, '');
    return { status: status?.status ?? null, ...out, schedulerExit: exit ? schedulerExitFrom(exit) : null };
  }

  /**
   * The one cell a VM runs: send its description, open the readiness gate once the scheduler
   * (if any) is attached, wait for `done` and the power-off, and tear the VM down. Any failure
   * tears it down too and carries the console log.
   */
  private async exchange(description: string, doneTimeoutMs: number, options: { keepRam?: boolean } = {}): Promise<{ done: DoneMessage; readyMs: number; log: string; vmTimes: SchedTimesMs | null }> {
    if (this.ran) throw new Error(`${this.plan.name}: this VM already ran its cell; a cell runs one scenario`);
    this.ran = true;
    const ch = this.vm.channel;
    try {
      // The scheduler reads its config file as it starts, so the file goes in before the cell
      // (or went in before the attach request).
      const cf = this.plan.scheduler?.configFile;
      if (cf && this.preAttach === 'no') ch.send('file', encodePutFile(cf.guestPath, 0o644, configContent(this.plan.config, `${this.plan.name}: config`)));
      // An attach that failed already ended the session: its sched_exit (or error) and done are in.
      if (this.preAttach !== 'failed') ch.send('cell', description);
      markCell('cell sent');
      const first = await ch.waitFor('ready', (this.plan.scheduler?.attachTimeoutMs ?? 0) + 30_000, ['sched_exit', 'done', 'error']);
      markCell('ready arrived');
      const readyMs = performance.now() - this.vm.startedAt;
      // A spare QEMU being launched for the next cell must not share the CPU with this workload.
      await spareSettled();
      // QEMU's host CPU time over the scenario, and how long it waited for a CPU: under TCG the
      // first sets how much the guest could do, and the second is time the guest's clock ran on
      // unemulated (result/cell-result.ts vmCpuMs, vmWaitMs).
      const vmTimesSinceGo = startCpuTimeMeasure(this.vm.pid);
      if (first.type === 'ready') ch.send('go');
      markCell('go sent');
      const done = await ch.waitFor('done', doneTimeoutMs) as DoneMessage;
      const vmTimes = vmTimesSinceGo();
      markCell('done arrived');
      // `done` is the agent's last word: all results (and any collected files) came before it, and
      // the guest's memory is as the cell left it (the agent stops its scheduler only after `done`,
      // waiting for this). Its stop and power-off (0.3–0.5 s under TCG) would add nothing, so
      // QEMU is killed now (synchronously, inside halt()/destroy()) rather than waited for.
      if (options.keepRam) this.ramKept = true;
      const log = this.vm.consoleLog();
      // Both kill QEMU before they return their promise.
      const stopping = options.keepRam ? this.vm.halt() : this.vm.destroy();
      // The next cell's spare QEMU starts while this VM goes, not while it measured.
      launchDeferredSpare();
      // Kept RAM: the guest must be gone before a failure dump reads it. Discarded RAM: removing
      // it (the kernel freeing ~100 MB of guest pages, 30-100 ms on a loaded host) overlaps the
      // verdict; destroy() waits for it, and the process's exit removes whatever is left.
      if (options.keepRam) await stopping;
      else this.stopping = stopping;
      markCell('QEMU gone');
      return { done, readyMs, log, vmTimes };
    } catch (e) {
      // Did QEMU end first (killed, or the guest powered off or panicked)? Its exit follows the
      // channel's close by a moment; after destroy() it would be our own SIGKILL.
      const ended = this.vm.channel.isClosed ? await this.vm.waitForExit(500) : undefined;
      const log = await this.vm.destroy();
      throw new CellError(`${this.plan.name}: ${(e as Error).message}${vmEndReason(ended, log)}`, log);
    }
  }

  /**
   * The monitor of this scenario: a loop that starts at the scenario's first step and ends at its
   * last step's end (or the guest's done or error; a scheduler exit is sampled through), returned as the function that stops it
   * and gives its result; or, when there is no monitor, the result that says why.
   */
  private monitorFor(workloadMs: number, steps: number): (() => Promise<MonitorResult>) | MonitorResult {
    const settings = this.plan.monitor;
    if (!settings) return disabledMonitor('the monitor is off (monitor: false, or a cell run outside ktstrTest)');
    const prep = this.monitorPrep;
    if (prep === undefined) return disabledMonitor('the monitor was not prepared at boot', settings.intervalMs);
    if (typeof prep === 'string') return disabledMonitor(prep, settings.intervalMs);
    const prog = KernelProgram.open(this.vm.ramNodes, prep.symbols);
    if (!(prog instanceof KernelProgram)) return disabledMonitor(`guest memory could not be read: ${prog.unavailable}`, settings.intervalMs);
    prog.useBtf(prep.btf);
    // One read now, before the cell is sent: the BTF name index and the helpers' layout choices
    // are built lazily, which costs the first read ~100 ms — not to be paid during the workload.
    try {
      prep.reader(prog, this.hello.cpus.length);
    } catch {
      // The loop records read failures as placeholders; here only the warm-up is lost.
    }
    let qmp: Promise<QmpClient> | undefined;
    const loop = new MonitorLoop({
      prog, cpus: this.hello.cpus.length, reader: prep.reader, settings, workloadMs,
      control: () => (qmp ??= this.vm.openQmp()),
    });
    let stopping: Promise<MonitorResult> | undefined;
    const stop = () => (stopping ??= loop.stop().then(async (r) => {
      (await qmp?.catch(() => undefined))?.close();
      return { ...r, symbols: prep.symbolSource };
    }));
    this.vm.channel.onMessage((m) => {
      if (m.type === 'step' && m.phase === 'start' && !loop.started) loop.start(m.t_ms);
      else if ((m.type === 'step' && m.phase === 'end' && m.index === steps - 1) || m.type === 'done' || m.type === 'error') void stop();
    });
    return stop;
  }

  private schedulerLaunch(): { guestPath: string; args: string[] } | undefined {
    return this.schedulerGuestPath ? launchOf(this.plan, this.schedulerGuestPath) : undefined;
  }

  private agentErrors(): string {
    return this.vm.channel.received.flatMap((m) => (m.type === 'error' ? [`${m.what}: ${m.message}`] : [])).join('; ');
  }

  /** Stops the VM without running anything more and removes its files (idempotent). */
  async destroy(): Promise<void> {
    launchDeferredSpare();
    this.ramKept = false;
    await this.stopping;
    await this.vm.destroy();
  }

  /** The VM's teardown started at `done` when its RAM was discarded (exchange()). */
  private stopping: Promise<unknown> | undefined;

  /** The RAM of the powered-off guest is still there to read (runScenario kept it). */
  private ramKept = false;

  private postMortemPossible(): boolean {
    return this.plan.scheduler !== undefined && typeof this.monitorPrep === 'object';
  }

  /**
   * The powered-off guest's kernel, read from its RAM files, after runScenario and before
   * destroy(): what a failure dump reads the scheduler's BPF maps from. A string says why not.
   */
  postMortem(): { program: KernelProgram; vmlinux: Btf } | string {
    const prep = this.monitorPrep;
    if (prep === undefined) return 'the monitor was not prepared for this cell (monitor: false, or a cell without a monitor plan)';
    if (typeof prep === 'string') return prep;
    if (!this.plan.scheduler) return 'the cell has no sched_ext scheduler';
    if (!this.ramKept) return 'the guest\'s memory is gone (the cell did not finish its scenario, or its VM was destroyed)';
    const prog = KernelProgram.open(this.vm.ramNodes, prep.symbols);
    if (!(prog instanceof KernelProgram)) return `guest memory could not be read: ${prog.unavailable}`;
    prog.useBtf(prep.btf);
    return { program: prog, vmlinux: prep.btf };
  }

  private resultFrom(messages: GuestMessage[], readyMs: number, durationMs: number, consoleLog: string, cpusets: StepCpusets[], monitor: MonitorResult): CellResult {
    const { workers, metrics, cgroups, steps, timeline } = analyzeMessages(messages);
    const exit = messages.find((m): m is SchedExitMessage => m.type === 'sched_exit');
    const ready = messages.find((m) => m.type === 'ready');
    return new CellResult({
      cell: this.plan.name,
      kernel: this.plan.kernel.label,
      topology: this.plan.topology,
      accel: this.accel,
      scheduler: ready?.type === 'ready' ? ready.scheduler : (this.plan.scheduler?.name ?? null),
      bootedHow: this.bootedHow,
      bootMs: this.bootMs,
      readyMs,
      durationMs,
      workers,
      metrics,
      cgroups,
      steps,
      timeline,
      cpusets,
      schedulerExit: exit ? schedulerExitFrom(exit) : null,
      messages: [...messages],
      consoleLog,
      monitor,
    });
  }
}

/**
 * The scheduler's path in the guest and its full arguments. One function for the attach request
 * and the cell: the agent runs a cell on a pre-attached scheduler only when both name the same launch.
 */
function launchOf(plan: CellPlan, guestPath: string): { guestPath: string; args: string[] } | undefined {
  const sched = plan.scheduler;
  if (!sched) return undefined;
  const fromConfig = sched.configFile ? configArgs(sched.configFile) : [];
  // First, so a test's own --exit-dump-len (in its arguments) still has the last word.
  const dumpLen = sched.exitDumpLenArg ? [sched.exitDumpLenArg, String(EXIT_DUMP_LEN)] : [];
  return { guestPath, args: [...dumpLen, ...sched.schedArgs, ...fromConfig, ...(plan.extraSchedArgs ?? [])] };
}

/** Enough for the kernel, the initramfs and a few hundred workers; more only costs boot time. */
export function defaultMemoryMiB(t: Topology): number {
  return Math.max(512, t.numaNodes * 256);
}
