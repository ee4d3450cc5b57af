/**
 * `ktstr kernel build`: a kernel from source, configured small for ktstr, built on the CPUs the
 * build reserved, and installed into the kernel cache beside fetched kernels.
 *
 * Steps, each logged: resolve the source (build-source.ts), check the tools (build-tools.ts),
 * configure (`make <base>`, ktstr's fragment and the user's written in, `make olddefconfig`,
 * then the fragment and the config check verified), look the result up in the cache by source
 * and config, then in the remote kernel cache when one is configured, else reserve `--cpu-cap` CPUs, make the image inside a cpuset of them
 * (build-cpuset.ts) with progress (make-progress.ts), and install vmlinuz, the symbol-bearing
 * vmlinux (debug info stripped, .symtab and .BTF kept), the real System.map, the config and the
 * build log as one cache entry. The monitor reads that System.map directly, so a built kernel
 * never needs the kallsyms capture boot. A new entry is pushed to the remote kernel cache when
 * one is configured (remote-cache/).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { KtstrError } from '../../errors.js';
import { kernelsDir, locksDir } from '../../paths.js';
import { withLock, reserveCpus } from '../../locks/index.js';
import { readHostTopology } from '../../host/host-topology.js';
import { resolveCpuCap } from '../../host/cpu-budget.js';
import { elfSectionTable } from '../../initramfs/elf.js';
import { describeMissing, missingKernelConfig } from '../config-check.js';
import { hasBtfSection } from '../extract-vmlinux.js';
import { type CachedKernel, listCachedKernels } from '../kernel-cache.js';
import { type BuildSource, classifySourceArgument, prepareBuildSource } from './build-source.js';
import { checkPahole, ensureBuildPackages, paholeNeeds } from './build-tools.js';
import { sidPahole } from './pahole-provider.js';
import { type BuildCpuset, type CpusetKind, createBuildCpuset } from './build-cpuset.js';
import { buildKey, builtEntryName, configHash } from './build-key.js';
import { applyFragment, type ConfigBase, describeUnmet, ktstrFragmentText, mergeFragments, parseConfigFragment, unmetOptions } from './config-fragment.js';
import { MakeProgress } from './make-progress.js';
import { installFromRemote, pushEntry } from '../remote-cache/remote-cache.js';

export interface KernelBuildOptions {
  /** VERSION (Debian's linux-source), a kernel tree, or a git checkout; default: the newest Debian source. */
  source?: string;
  /** A file of extra Kconfig lines, applied after ktstr's own. */
  configFragment?: string;
  /** CPUs the build may use (`--cpu-cap`); default as for runs (KTSTR_CPU_CAP, else 30% of the host). */
  cpuCap?: string | number;
  base?: ConfigBase;
  /** Scheduling priority of the build (nice). Default 10: a build shares the machine. */
  nice?: number;
  /** Build even when the cache already has this source and config. */
  force?: boolean;
  log?: (line: string) => void;
}

export interface KernelBuildResult {
  kernel: CachedKernel;
  /** True when the cache already had it and nothing was built. */
  cached: boolean;
  source: { id: string; describe: string };
  configHash: string;
  key: string;
  cpus: number[];
  cpuset: CpusetKind | 'none';
  /** C files compiled by this run's make (0 for a cache hit, few for an incremental build). */
  compiled: number;
  seconds: { configure: number; make: number; total: number };
  buildLog: string;
}

/** Facts about a build kept in its cache entry's meta.json under `build`. */
export interface BuildMeta {
  source: string;
  configHash: string;
  key: string;
  base: ConfigBase;
  fragment?: string;
  cpus: number[];
  cpuset: CpusetKind;
  compiled: number;
  makeSeconds: number;
  /** The pahole that encoded the BTF (`v1.27` or newer for 7.x sched_ext kfuncs). */
  pahole?: string;
}

const secondsSince = (t0: number): number => Math.round((Date.now() - t0) / 100) / 10;

function run(argv: readonly string[], logFile: string, what: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 28, env });
  writeFileSync(logFile, `$ ${argv.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}`, { flag: 'a' });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new KtstrError('kernel build', what, `failed (${r.error?.message ?? `exit ${r.status}`}):\n${tail}`, `The full log is ${logFile}.`);
  }
}

/** Runs make, streaming its output to the log and the progress reporter. */
function runMake(argv: readonly string[], logFile: string, progress: MakeProgress, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`$ ${argv.join(' ')}\n`);
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
    const tail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        out.write(`${line}\n`);
        tail.push(line);
        if (tail.length > 20) tail.shift();
        progress.feed(line);
      });
    }
    child.on('error', (e) => reject(e));
    child.on('close', (code, signal) => {
      out.end(() => {
        if (code === 0) resolve();
        else reject(new KtstrError('kernel build', 'make', `failed (${signal ?? `exit ${code}`}):\n${tail.join('\n')}`, `The full log is ${logFile}.`));
      });
    });
  });
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Whether an ELF image carries a symbol table (.symtab), so its symbols can be read without a guest. */
export function hasSymtab(elf: Buffer, file: string): boolean {
  return elfSectionTable(elf, file).some((s) => s.name === '.symtab' && s.type === 2 && s.size > 0);
}

/**
 * Configures the build tree: `make <base>`, the merged fragment written in, `make olddefconfig`,
 * then checks that every option ktstr asked for survived and that the config check passes.
 * Returns the final .config text; user options Kconfig refused are logged.
 */
function configure(source: BuildSource, base: ConfigBase, userFragment: { source: string; text: string } | undefined, logFile: string, wrap: (argv: string[]) => string[], env: NodeJS.ProcessEnv, log: (l: string) => void): string {
  const bt = source.buildTree;
  const ktstr = { source: 'ktstr', options: parseConfigFragment(ktstrFragmentText(arch() === 'x64' ? 'x86_64' : arch()), 'ktstr fragment') };
  const user = userFragment ? { source: userFragment.source, options: parseConfigFragment(userFragment.text, userFragment.source) } : undefined;
  const merged = mergeFragments(user ? [ktstr, user] : [ktstr]);
  for (const o of merged.overridden) log(`config: ${o.by} sets ${o.option}=${o.to} (ktstr's fragment has ${o.from})`);
  log(`config: make ${base}, then ${merged.options.size} options of ktstr${user ? ` and ${user.source}` : ''}`);
  run(wrap(['make', '-C', source.tree, `O=${bt}`, base]), logFile, `make ${base}`, env);
  const configPath = join(bt, '.config');
  writeFileSync(join(bt, 'ktstr.fragment'), [...merged.options].map(([o, v]) => (v === 'n' ? `# ${o} is not set` : `${o}=${v}`)).join('\n') + '\n');
  writeFileSync(configPath, applyFragment(readFileSync(configPath, 'utf8'), merged.options));
  run(wrap(['make', '-C', source.tree, `O=${bt}`, 'olddefconfig']), logFile, 'make olddefconfig', env);
  const final = readFileSync(configPath, 'utf8');
  const userOptions = user?.options ?? new Map<string, string>();
  const ours = new Map([...merged.options].filter(([o]) => !userOptions.has(o)));
  const unmetOurs = unmetOptions(final, ours);
  if (unmetOurs.length > 0) {
    throw new KtstrError('kernel config', describeUnmet(unmetOurs), 'Kconfig refused options ktstr needs (a dependency of theirs is off in this tree, or the tree is too old)',
      `See the log ${logFile}; for BTF, check pahole (package dwarves); a --config-fragment can turn dependencies on.`);
  }
  const unmetUser = unmetOptions(final, userOptions);
  if (unmetUser.length > 0) log(`config: Kconfig refused ${describeUnmet(unmetUser)} from ${user!.source} (a dependency is off); building without them`);
  const missing = missingKernelConfig(final);
  if (missing.length > 0) {
    throw new KtstrError('kernel config', describeMissing(missing), 'the configured kernel would fail ktstr\'s config check', 'Do not turn these off in --config-fragment.');
  }
  return final;
}

/** `make kernelrelease`: known right after configuring, before anything is compiled (7.2.13, 7.3.0-rc7+). */
function kernelRelease(source: BuildSource, env: NodeJS.ProcessEnv): string {
  const r = spawnSync('make', ['-s', '--no-print-directory', '-C', source.tree, `O=${source.buildTree}`, 'kernelrelease'], { encoding: 'utf8', env });
  const release = (r.stdout ?? '').split('\n').map((l) => l.trim()).filter((l) => /^[0-9]+\.[0-9]+/.test(l)).pop();
  if (r.status !== 0 || !release) throw new KtstrError('kernel build', 'make kernelrelease', `printed no release (${r.stderr.trim() || `exit ${r.status}`})`, 'Check that the tree configures (see the build log).');
  return release;
}

/** Copies the build's results into a new cache entry, atomically (assembled beside, then renamed). */
export function installBuiltKernel(source: Pick<BuildSource, 'buildTree' | 'id'>, name: string, release: string, meta: BuildMeta, logFile: string, log: (l: string) => void): CachedKernel {
  const bt = source.buildTree;
  const root = kernelsDir();
  mkdirSync(root, { recursive: true });
  const tmp = mkdtempSync(join(root, '.build-'));
  try {
    copyFileSync(join(bt, 'arch', 'x86', 'boot', 'bzImage'), join(tmp, 'vmlinuz'));
    // DWARF is only needed for pahole; .symtab and .BTF stay, at a fraction of the size.
    const strip = spawnSync('objcopy', ['--strip-debug', join(bt, 'vmlinux'), join(tmp, 'vmlinux')], { encoding: 'utf8' });
    if (strip.status !== 0) {
      log(`install: objcopy --strip-debug failed (${strip.stderr.trim()}); keeping vmlinux with its debug info`);
      copyFileSync(join(bt, 'vmlinux'), join(tmp, 'vmlinux'));
    }
    const vmlinux = readFileSync(join(tmp, 'vmlinux'));
    if (!hasBtfSection(vmlinux)) throw new KtstrError('kernel build', join(bt, 'vmlinux'), 'has no .BTF section', 'Check pahole (package dwarves) and the build log.');
    if (!hasSymtab(vmlinux, join(tmp, 'vmlinux'))) throw new KtstrError('kernel build', join(bt, 'vmlinux'), 'has no .symtab', 'Do not strip the kernel in the build (no INSTALL_MOD_STRIP/--strip-all).');
    copyFileSync(join(bt, 'System.map'), join(tmp, 'System.map'));
    copyFileSync(join(bt, '.config'), join(tmp, 'config'));
    copyFileSync(logFile, join(tmp, 'build.log'));
    writeFileSync(join(tmp, 'meta.json'), `${JSON.stringify({
      release: name, version: release, arch: 'x86_64', origin: `build:${source.id}`, fetchedAt: new Date().toISOString(), build: meta,
    }, null, 2)}\n`);
    chmodSync(tmp, 0o755); // mkdtemp made it private; cache entries are readable like fetched ones
    const final = join(root, name);
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const entry = listCachedKernels().find((k) => k.release === name);
  if (!entry) throw new Error(`the new cache entry ${name} is incomplete`);
  return entry;
}

export async function buildKernel(options: KernelBuildOptions = {}): Promise<KernelBuildResult> {
  const log = options.log ?? (() => {});
  const t0 = Date.now();
  const base = options.base ?? 'tinyconfig';
  const nice = options.nice ?? 10;
  const userFragment = options.configFragment === undefined ? undefined : (() => {
    if (!existsSync(options.configFragment!)) {
      throw new KtstrError('--config-fragment', options.configFragment, 'does not exist', 'Give a file of CONFIG_NAME=value lines.');
    }
    return { source: options.configFragment!, text: readFileSync(options.configFragment!, 'utf8') };
  })();
  // Bad input is refused before anything is installed, downloaded or reserved.
  if (userFragment) parseConfigFragment(userFragment.text, userFragment.source);
  classifySourceArgument(options.source);
  const host = readHostTopology();
  const cap = resolveCpuCap(host, options.cpuCap);
  ensureBuildPackages(log);
  const source = await prepareBuildSource(options.source, log);
  // A host pahole too old for the tree (bookworm's 1.24 for 7.x sched_ext) is replaced, for this
  // build only, by sid's unpacked into the cache (pahole-provider.ts), first on make's PATH.
  let env: NodeJS.ProcessEnv = process.env;
  let pahole: { have: number; need: number | undefined };
  try {
    pahole = checkPahole(source.tree);
  } catch (e) {
    const need = paholeNeeds(source.tree).need;
    if (!(e instanceof KtstrError) || e.field !== 'pahole' || need === undefined) throw e;
    log(`tools: ${e.message.replace(/ \(got .*$/s, '')}`);
    const bin = await sidPahole(need, log);
    env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };
    pahole = checkPahole(source.tree, join(bin, 'pahole'));
  }
  log(`tools: pahole v${Math.floor(pahole.have / 100)}.${pahole.have % 100}${pahole.need ? ` (this tree needs ${Math.floor(pahole.need / 100)}.${pahole.need % 100} or newer)` : ''}`);
  log(`source: ${source.describe}; build tree ${source.buildTree}`);
  mkdirSync(source.buildTree, { recursive: true });
  const lockPath = join(locksDir(), `kernel-build-${source.buildTree.split('/').pop()}.lock`);
  const built = await withLock(lockPath, {
    mode: 'exclusive', wait: true, purpose: `kernel build of ${source.describe}`,
    onWait: (s) => log(`waiting for another build of this source: ${JSON.stringify(s)}`),
  }, async () => {
    const reservation = await reserveCpus(host, cap, { purpose: `kernel build of ${source.describe}`, onWait: (m) => log(m) });
    let cpuset: BuildCpuset | undefined;
    try {
      cpuset = createBuildCpuset(reservation.plan.cpus, log);
      const wrap = (argv: string[]) => cpuset!.wrap(argv, nice);
      const logFile = join(source.buildTree, 'build.log');
      writeFileSync(logFile, `# ktstr kernel build of ${source.describe}, ${new Date().toISOString()}\n`);
      log(`build log: ${logFile}`);
      const tc = Date.now();
      const config = configure(source, base, userFragment, logFile, wrap, env, log);
      const configureSeconds = secondsSince(tc);
      const hash = configHash(config);
      const key = buildKey(source.id, hash);
      const release = kernelRelease(source, env);
      const name = builtEntryName(release, key);
      const existing = listCachedKernels().find((k) => k.release === name);
      const result = (kernel: CachedKernel, cached: boolean, compiled: number, makeSeconds: number): KernelBuildResult => ({
        kernel, cached, source: { id: source.id, describe: source.describe }, configHash: hash, key,
        cpus: reservation.plan.cpus, cpuset: cached ? 'none' : cpuset!.kind, compiled,
        seconds: { configure: configureSeconds, make: makeSeconds, total: secondsSince(t0) },
        buildLog: cached ? join(kernel.dir, 'build.log') : logFile,
      });
      if (existing && source.immutable && !options.force) {
        log(`cached: ${name} (same source and config hash ${hash}); --force rebuilds`);
        return result(existing, true, 0, 0);
      }
      // A local miss asks the remote cache (if one is configured) before making anything: the
      // entry's name is known now, from the source and the configuration, and a CI runner that
      // built this kernel before has pushed it. A tree or checkout on disk may have changed under
      // the same id, so only an immutable source is taken from the remote, as from the local cache.
      if (!existing && source.immutable && !options.force && await installFromRemote(name, log)) {
        const pulled = listCachedKernels().find((k) => k.release === name);
        if (pulled) {
          log(`cached: ${name} from the remote cache (same source and config hash ${hash}); nothing built`);
          return result(pulled, true, 0, 0);
        }
      }
      const stamp = join(source.buildTree, '.ktstr-build.json');
      const last = readJson<{ compiled?: number; pahole?: number }>(stamp);
      // kbuild does not relink vmlinux when only the pahole changed (no object depends on it), so
      // the BTF would stay the old pahole's: drop the linked images and let make link them again.
      if (last?.pahole !== undefined && last.pahole !== pahole.have) {
        log(`make: the last build of this tree used pahole ${last.pahole}, this one ${pahole.have}: relinking vmlinux for its BTF`);
        for (const f of ['vmlinux', 'vmlinux.unstripped']) rmSync(join(source.buildTree, f), { force: true });
      }
      const progress = new MakeProgress((u) => log(u.line), last?.compiled);
      const jobs = reservation.plan.cpus.length;
      log(`make: -j${jobs} on CPU(s) ${reservation.plan.cpus.join(',')} (${cpuset.kind}), nice ${nice}`);
      const tm = Date.now();
      await runMake(wrap(['make', '-C', source.tree, `O=${source.buildTree}`, `-j${jobs}`, 'bzImage']), logFile, progress, env);
      const makeSeconds = secondsSince(tm);
      log(`make: done in ${makeSeconds} s, ${progress.compiled} files compiled`);
      const compiledForTotal = progress.compiled > (last?.compiled ?? 0) / 2 ? progress.compiled : last?.compiled;
      writeFileSync(stamp, `${JSON.stringify({ ...(compiledForTotal ? { compiled: compiledForTotal } : {}), pahole: pahole.have })}\n`);
      const meta: BuildMeta = {
        source: source.id, configHash: hash, key, base, ...(userFragment ? { fragment: userFragment.source } : {}),
        cpus: reservation.plan.cpus, cpuset: cpuset.kind, compiled: progress.compiled, makeSeconds,
        pahole: `v${Math.floor(pahole.have / 100)}.${pahole.have % 100}`,
      };
      const kernel = installBuiltKernel(source, name, release, meta, logFile, log);
      log(`cached: ${kernel.release} in ${kernel.dir}`);
      return result(kernel, false, progress.compiled, makeSeconds);
    } finally {
      cpuset?.remove();
      reservation.release();
    }
  });
  // Outside the locks: an upload to the remote cache (if one is configured) holds up nobody, and
  // a failed push is logged, never fatal.
  if (!built.cached) await pushEntry(built.kernel.dir, log);
  return built;
}
