#!/usr/bin/env node
// Sets up everything ktstr needs on a fresh Debian bookworm machine, installing only what is
// missing: apt packages, npm packages, the TypeScript build, the native addon, the guest agent,
// the default kernel, the kernel-source toolchain and the fixture scheduler. Safe to run again:
// each step checks first and says whether it ran. Plain JavaScript with no dependencies,
// because it runs before `npm install`.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();

/** Debian packages and what needs them. */
const APT_PACKAGES = {
  'qemu-system-x86': 'the VM backend',
  'busybox-static': 'the guest userland',
  'util-linux': 'setpriv (QEMU dies with its parent) and flock',
  'clang-19': 'BPF and the fixture scheduler',
  'llvm-19': 'llvm-strip for BPF objects',
  'lld-19': 'linking BPF skeletons',
  'libelf-dev': 'libbpf and bpftool',
  'zlib1g-dev': 'libbpf and bpftool',
  'libzstd-dev': 'libbpf',
  'libcap-dev': 'bpftool',
  'pkg-config': 'native builds',
  'make': 'native builds',
  'gcc': 'the static guest agent; gcov and the coverage build of the fixture loader (ktstr coverage)',
  'g++': 'the host addon',
  'cmake': 'the host addon (cmake-js)',
  'ninja-build': 'the host addon (cmake-js)',
  'libc6-dev': 'static linking of the guest agent',
  'zstd': 'unpacking Debian kernel images',
  'xz-utils': 'unpacking kernel sources',
  'lz4': 'checking initramfs archives in tests',
  'cpio': 'checking initramfs archives in tests',
  'libkrb5-dev': 'the editor end-to-end test (code-server\'s kerberos module)', 'ripgrep': 'the editor end-to-end test (code-server search)', 'chromium': 'the editor end-to-end test (the browser)',
  'zsh': 'the zsh completion test', 'fish': 'the fish completion test',
};

function step(n, total, what) {
  process.stderr.write(`ktstr bootstrap [${n}/${total}] ${what}\n`);
}
function note(line) {
  process.stderr.write(`    ${line}\n`);
}
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    process.stderr.write(`ktstr bootstrap: \`${cmd} ${args.join(' ')}\` failed (${r.error?.message ?? `exit ${r.status}`})\n`);
    process.exit(1);
  }
  return r;
}
function output(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : 0);

const TOTAL = 7;

step(1, TOTAL, 'apt packages');
const missing = Object.keys(APT_PACKAGES).filter((p) => output('dpkg-query', ['-W', '-f=${Status}', p]) !== 'install ok installed');
if (missing.length === 0) note('up to date: all present');
else {
  note(`missing: ${missing.map((p) => `${p} (${APT_PACKAGES[p]})`).join(', ')}`);
  if (process.getuid?.() !== 0) {
    process.stderr.write(`ktstr bootstrap: installing packages needs root. Run: sudo apt-get install -y ${missing.join(' ')}\n`);
    process.exit(1);
  }
  run('apt-get', ['update', '-q']);
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

step(2, TOTAL, 'npm packages');
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (existsSync(installed) && mtime(installed) >= mtime(lock) && mtime(installed) >= mtime(join(root, 'package.json'))) note('up to date');
else run('npm', ['install', '--no-audit', '--no-fund']);

step(3, TOTAL, 'TypeScript build');
run(process.execPath, ['scripts/build-ts.mjs']);

step(4, TOTAL, 'native host addon');
run('npm', ['run', '--silent', 'build:addon', '-w', '@ktstr/native']);

step(5, TOTAL, 'guest agent');
// `make -q` answers whether anything would be rebuilt, so an unchanged agent says so.
if (spawnSync('make', ['-q', '-C', 'native/guest'], { cwd: root, stdio: 'ignore' }).status === 0) note('up to date');
else {
  run('make', ['-s', '-C', 'native/guest']);
  note('built native/out/ktstr-guest');
}

step(6, TOTAL, 'default kernel');
const kernelJson = spawnSync(process.execPath, [join(root, 'cli/dist/bin.js'), 'kernel', 'path', '--json'], {
  cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8',
});
if (kernelJson.status !== 0) process.exit(1);
const kernel = JSON.parse(kernelJson.stdout);
note(`${/fetched/.test(kernel.how) ? '' : 'up to date: '}${kernel.label} (${kernel.how})`);

step(7, TOTAL, 'kernel-source toolchain and fixture scheduler');
const vmlinux = join(dirname(kernel.vmlinuz), 'vmlinux');
run('bash', ['native/scripts/build-scheduler.sh'], { env: { ...process.env, KTSTR_VMLINUX: vmlinux } });
// The gcov-instrumented loader `ktstr coverage` loads instead (docs/coverage.md); seconds to build.
run('bash', ['native/scripts/build-scheduler.sh', '--coverage'], { env: { ...process.env, KTSTR_VMLINUX: vmlinux } });

process.stderr.write(`ktstr bootstrap: ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
