/**
 * What ktstr needs on the machine, in the order setup installs it (each item may need the ones
 * before it: the kernel and the toolchain come through the sid apt source, the toolchain needs
 * clang from apt, the fixture scheduler needs both the kernel and the toolchain).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { addonPath, addonState, buildAddon, isCheckout, nativeArtifacts, nativeRoot } from '@ktstr/native';
import { findCachedKernel, listCachedKernels } from '../kernel/kernel-cache.js';
import { resolveKernel } from '../kernel/resolve.js';
import { OUR_SOURCES, aptUpdate, ensureSidSource } from '../kernel/debian-archive.js';
import { chooseAccel } from '../vm/accel.js';
import { QEMU_BINARY } from '../vm/qemu-backend.js';
import { hostArch } from '../host/arch.js';
import { ensureDebianArch, hasDebianArch } from '../kernel/foreign-arch.js';
import { AARCH64_GUEST_AGENT, aarch64GuestAgentPath } from '../initramfs/aarch64-guest.js';
import { aptPackages, installAptPackages, missingAptPackages, type AptScope } from './apt.js';
import { buildFixtureScheduler } from './fixture-build.js';
import { ensureProbeLoader, probeLoaderPath } from '../repro/probe-loader.js';
import type { ItemStatus, SetupItem } from './item.js';

export const isRoot = (): boolean => process.getuid?.() === 0;

/** The toolchain cache of native/scripts/build-toolchain.sh, which keys it by XDG_CACHE_HOME as that script does. */
function toolchainRoot(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ktstr', 'toolchain');
}

function builtToolchains(): string[] {
  const root = toolchainRoot();
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((v) => !v.startsWith('.') && existsSync(join(root, v, '.complete'))).sort();
}

/** The kernel a run would use without --kernel, if it is here already (nothing is fetched). */
function localKernel(): { label: string; vmlinux?: string } | undefined {
  const env = process.env.KTSTR_KERNEL;
  if (env && (env.includes('/') || existsSync(env))) {
    // A kernel image or its directory (docs/kernels.md); the BTF to build against sits beside it.
    if (!existsSync(env)) return undefined;
    return { label: `KTSTR_KERNEL=${env}`, vmlinux: join(statSync(env).isDirectory() ? env : dirname(env), 'vmlinux') };
  }
  const k = findCachedKernel(env || undefined);
  return k ? { label: `${k.release} (${k.dir})`, vmlinux: k.vmlinux } : undefined;
}

/** The ELF machine of a file (62 x86-64, 183 aarch64), or undefined if it is not ELF. */
function elfMachine(path: string): number | undefined {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(20);
    if (readSync(fd, b, 0, 20, 0) < 20 || b.readUInt32BE(0) !== 0x7f454c46) return undefined;
    return b.readUInt16LE(18);
  } finally {
    closeSync(fd);
  }
}

function run(cmd: string, args: readonly string[], what: string): string {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', process.stderr], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what} failed (\`${cmd} ${args.join(' ')}\` ${r.error?.message ?? `exited ${r.status}`}); the lines above say why`);
  return r.stdout;
}

export function setupItems(opts: { aptScope?: AptScope } = {}): SetupItem[] {
  const apt = aptPackages(opts.aptScope ?? 'user');
  const kernelFor = (): string | undefined => localKernel()?.vmlinux;
  const fixtureItem = (coverage: boolean): SetupItem => {
    const path = coverage ? `${nativeArtifacts.fixtureScheduler}-cov` : nativeArtifacts.fixtureScheduler;
    return {
      id: coverage ? 'fixture-coverage' : 'fixture',
      // In a checkout the sources change under a present binary, so setup lets the build script
      // decide (it answers "up to date" from its stamp in well under a second).
      refresh: isCheckout,
      optional: coverage,
      title: coverage ? 'fixture scheduler, coverage build' : 'fixture scheduler',
      why: coverage
        ? 'the gcov-instrumented scx-ktstr loader that `ktstr coverage` runs instead'
        : 'scx-ktstr (SCX_KTSTR in @ktstr/core): a known-good sched_ext scheduler with failure knobs; built against the kernel\'s BTF, so it is built here',
      check(): ItemStatus {
        if (existsSync(path)) return { ok: true, detail: path };
        return { ok: false, detail: `${path} is not built`, action: 'build it with clang-22 (clang-19 without the arena fixture) against the kernel\'s vmlinux and the toolchain (seconds once the toolchain is built)' };
      },
      async install(log) {
        const vmlinux = kernelFor();
        if (!vmlinux) throw new Error('no kernel to build against: the kernel item must be set up first');
        buildFixtureScheduler(vmlinux, { coverage, log });
      },
    };
  };

  return [
    {
      id: 'apt',
      title: 'Debian packages',
      system: true,
      why: 'QEMU, busybox, compilers and libraries: the VM backend, the guest userland and the native builds',
      check() {
        const missing = missingAptPackages(apt.map((p) => p.name));
        if (missing.length === 0) return { ok: true, detail: `${apt.length} packages installed` };
        const why = new Map(apt.map((p) => [p.name, p.why]));
        return {
          ok: false,
          detail: `missing: ${missing.map((m) => `${m} (${why.get(m)})`).join(', ')}`,
          action: `apt-get install -y --no-install-recommends ${missing.join(' ')}`,
          needsRoot: true,
        };
      },
      async install() {
        installAptPackages(missingAptPackages(apt.map((p) => p.name)));
      },
    },
    {
      id: 'apt-source',
      title: 'apt source for kernels',
      why: 'Debian\'s sched_ext kernels and their source packages come from sid, through a pinned apt entry (docs/kernels.md)',
      system: true,
      check() {
        if (existsSync(OUR_SOURCES)) return { ok: true, detail: OUR_SOURCES };
        if (localKernel() && builtToolchains().length > 0) return { ok: true, detail: 'not needed: a kernel and a toolchain are here already' };
        return {
          ok: false,
          detail: `${OUR_SOURCES} does not exist`,
          action: 'add a Debian sid entry pinned at priority 100 (nothing else upgrades from it) and run apt-get update',
          needsRoot: true,
        };
      },
      async install(log) {
        ensureSidSource(log);
        aptUpdate(log);
      },
    },
    {
      id: 'arm64-packages',
      title: 'arm64 packages for aarch64 guests',
      why: 'an aarch64 guest\'s kernel and busybox are Debian arm64 packages; apt lists them only once dpkg knows arm64 as a foreign architecture (docs/aarch64.md)',
      system: true,
      optional: true,
      check() {
        if (hasDebianArch('arm64')) return { ok: true, detail: 'dpkg knows arm64' };
        return { ok: false, detail: 'dpkg does not know arm64', action: 'dpkg --add-architecture arm64, then apt-get update (nothing of arm64 is installed)', needsRoot: true };
      },
      async install(log) {
        if (ensureDebianArch('arm64', log)) aptUpdate(log);
      },
    },
    {
      id: 'kernel',
      title: 'kernel',
      why: 'every cell boots a real kernel with sched_ext and BTF (docs/kernels.md)',
      check() {
        const k = localKernel();
        if (k) return { ok: true, detail: k.label };
        if (process.env.KTSTR_KERNEL?.includes('/')) {
          return { ok: false, detail: `KTSTR_KERNEL=${process.env.KTSTR_KERNEL} does not exist`, remedy: 'Point KTSTR_KERNEL at a kernel image or its directory, or unset it.' };
        }
        return {
          ok: false,
          detail: 'no kernel in the cache',
          action: 'fetch Debian\'s newest sched_ext cloud kernel into the cache (about 60 MB)',
        };
      },
      async install(log) {
        const k = await resolveKernel(undefined, log);
        log(`kernel ${k.label} (${k.how})`);
      },
    },
    {
      id: 'second-kernel',
      title: 'second kernel',
      // Reported only: it costs another ~75 MB, an apt update and a cold boot per cell, and two
      // tests use it (they skip, saying how to fetch it, without it). docs/kernels.md.
      informational: true,
      why: 'a kernel of another version, for runs on several kernels (--kernel A --kernel B) and the tests of them; setup does not fetch it',
      check() {
        const versions = [...new Set(listCachedKernels()
          .filter((k) => ((k as { arch?: string }).arch ?? (k.release.endsWith('-arm64') ? 'aarch64' : 'x86_64')) === hostArch())
          .map((k) => k.version.split('.').slice(0, 2).join('.')))];
        if (versions.length >= 2) return { ok: true, detail: `kernels ${versions.join(', ')} cached` };
        return { ok: true, detail: `${versions.length === 0 ? 'no kernel' : `only ${versions[0]}`} cached; \`npx ktstr kernel fetch --suite trixie-backports\` adds Debian's newer sched_ext kernel` };
      },
    },
    {
      id: 'toolchain',
      title: 'kernel-source toolchain',
      why: 'libbpf and bpftool of the kernel\'s own source package, which the fixture scheduler is built with',
      check() {
        const built = builtToolchains();
        if (built.length > 0) return { ok: true, detail: `${built.join(', ')} in ${toolchainRoot()}` };
        return { ok: false, detail: `nothing built in ${toolchainRoot()}`, action: 'download the linux-source package (about 160 MB) and build libbpf and bpftool from it (a few minutes, once)' };
      },
      async install(log) {
        log('building libbpf and bpftool from the kernel source package');
        const dir = run('bash', [join(nativeRoot, 'scripts', 'build-toolchain.sh')], 'building the toolchain').trim();
        log(`toolchain in ${dir}`);
      },
    },
    {
      id: 'addon',
      title: 'native addon',
      // In a checkout the build script compares the result with its sources itself (by mtime).
      refresh: isCheckout,
      why: 'flocks, CPU affinity and guest-memory mapping for the host side (C++ through node-addon-api); built for this machine with cmake-js',
      check() {
        const state = addonState();
        if (state === 'current') return { ok: true, detail: addonPath };
        return {
          ok: false,
          detail: state === 'stale' ? `${addonPath} was built from other sources` : `${addonPath} is not built`,
          action: `build it with cmake-js${isCheckout ? '' : ' into the cache'} (about a minute, once; needs cmake, ninja-build and g++)`,
        };
      },
      async install(log) {
        buildAddon(log);
      },
    },
    {
      id: 'agent',
      title: 'guest agent',
      why: 'the static program that runs as init in every VM and carries out the scenario',
      check() {
        const path = nativeArtifacts.guestAgent;
        if (isCheckout) {
          const r = spawnSync('make', ['-q', '-s', '-C', join(nativeRoot, 'guest')], { stdio: 'ignore' });
          if (r.status === 0) return { ok: true, detail: path };
          return { ok: false, detail: existsSync(path) ? `${path} is older than its sources` : `${path} is not built`, action: 'make -C native/guest (a static binary)' };
        }
        if (!existsSync(path)) {
          return { ok: false, detail: `${path} is missing from the installed package`, remedy: 'Reinstall @ktstr/native: the package ships the agent prebuilt.' };
        }
        const want = hostArch() === 'aarch64' ? 183 : 62;
        if (elfMachine(path) !== want) {
          return { ok: false, detail: `${path} is not built for ${hostArch()}`, remedy: `The package ships an x86_64 agent; on ${hostArch()} build it from a clone of the repository (make -C native/guest).` };
        }
        return { ok: true, detail: `${path} (prebuilt, static)` };
      },
      ...(isCheckout ? { async install() { run('make', ['-s', '-C', join(nativeRoot, 'guest')], 'building the guest agent'); } } : {}),
    },
    {
      id: 'agent-aarch64',
      title: 'guest agent for aarch64',
      optional: true,
      refresh: isCheckout,
      why: 'the same agent cross-built static for arm64 guests (--arch aarch64)',
      check() {
        if (existsSync(AARCH64_GUEST_AGENT) && elfMachine(AARCH64_GUEST_AGENT) === 183) return { ok: true, detail: AARCH64_GUEST_AGENT };
        return isCheckout
          ? { ok: false, detail: `${AARCH64_GUEST_AGENT} is not built`, action: 'make -C native/guest ARCH=aarch64 (gcc-aarch64-linux-gnu, static)' }
          : { ok: false, detail: `${AARCH64_GUEST_AGENT} is missing from the installed package`, remedy: 'Reinstall @ktstr/native: the package ships it prebuilt.' };
      },
      ...(isCheckout ? { async install(log: (line: string) => void) { aarch64GuestAgentPath(log); } } : {}),
    },
    fixtureItem(false),
    fixtureItem(true),
    {
      id: 'probe-loader',
      refresh: isCheckout,
      optional: true,
      title: 'auto-repro probe loader',
      why: 'ktstr-probe: the BPF probes a crashed cell is rerun with (docs/debugging.md, "Auto-repro"); built against the kernel\'s BTF like the fixture',
      check(): ItemStatus {
        const path = probeLoaderPath();
        if (existsSync(path)) return { ok: true, detail: path };
        return { ok: false, detail: `${path} is not built`, action: 'build it with clang-19 against the kernel\'s vmlinux and the toolchain (seconds once the toolchain is built)' };
      },
      async install(log) {
        const vmlinux = kernelFor();
        if (!vmlinux) throw new Error('no kernel to build against: the kernel item must be set up first');
        ensureProbeLoader(vmlinux, log);
      },
    },
    {
      id: 'accel',
      title: 'acceleration',
      why: 'KVM when it is usable, else TCG (software emulation: slower boots, same results)',
      informational: true,
      check() {
        if (!existsSync(QEMU_BINARY) && spawnSync('sh', ['-c', `command -v ${QEMU_BINARY}`]).status !== 0) {
          return { ok: true, detail: `unknown until ${QEMU_BINARY} is installed` };
        }
        const a = chooseAccel(QEMU_BINARY);
        return { ok: true, detail: `${a.accel} (${a.reason})` };
      },
    },
  ];
}
