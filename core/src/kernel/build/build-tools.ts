/**
 * What a kernel build needs on the host, checked before anything starts: the compiler and
 * kbuild's helpers as Debian packages (installed on demand, as `ktstr setup` installs the rest),
 * and a pahole new enough for the tree's BTF. pahole is the one that bites: without it, or with
 * one older than the tree asks for, Kconfig quietly drops DEBUG_INFO_BTF, and with it sched_ext;
 * and one that Kconfig accepts can still be too old for sched_ext's kfuncs (requiredPaholeForKfuncs).
 * pahole-provider.ts fetches a newer one when the host's is too old.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KtstrError } from '../../errors.js';
import { installAptPackages, missingAptPackages } from '../../setup/apt.js';

/** Debian packages a kernel build runs, and why. */
export const BUILD_PACKAGES: readonly { name: string; why: string }[] = [
  { name: 'make', why: 'kbuild' },
  { name: 'gcc', why: 'the compiler' },
  { name: 'flex', why: 'Kconfig\'s lexer' },
  { name: 'bison', why: 'Kconfig\'s parser' },
  { name: 'bc', why: 'generated timer constants' },
  { name: 'libelf-dev', why: 'objtool and resolve_btfids' },
  { name: 'libssl-dev', why: 'host tools that sign and extract certificates' },
  { name: 'dwarves', why: 'pahole, which turns DWARF into BTF' },
  { name: 'lz4', why: 'the LZ4-compressed kernel image' },
  { name: 'xz-utils', why: 'unpacking Debian\'s linux-source package' },
];

/** Installs the build packages dpkg lacks; a no-op when all are there. */
export function ensureBuildPackages(log: (line: string) => void): void {
  const missing = missingAptPackages(BUILD_PACKAGES.map((p) => p.name));
  if (missing.length === 0) return;
  log(`tools: installing ${missing.join(', ')} (needed to build a kernel)`);
  installAptPackages(missing);
}

/** "v1.24" -> 124, the number Kconfig compares (CONFIG_PAHOLE_VERSION). */
export function paholeVersionNumber(versionOutput: string): number | undefined {
  const m = /v?(\d+)\.(\d+)/.exec(versionOutput);
  return m ? Number(m[1]) * 100 + Number(m[2]) : undefined;
}

/** The pahole version a tree's DEBUG_INFO_BTF depends on, read from its lib/Kconfig.debug. */
export function requiredPaholeVersion(kconfigDebug: string): number | undefined {
  const block = /config DEBUG_INFO_BTF\n([\s\S]*?)\n(?:config |menu|endmenu)/.exec(kconfigDebug)?.[1] ?? '';
  const m = /depends on PAHOLE_VERSION >= (\d+)/.exec(block);
  return m ? Number(m[1]) : undefined;
}

/**
 * The pahole a tree's sched_ext needs beyond what Kconfig says. Trees whose resolve_btfids
 * rewrites kfuncs with implicit arguments (KF_IMPLICIT_ARGS, 7.x: scx_bpf_create_dsq and
 * others take a hidden `struct bpf_prog_aux *`) find those kfuncs through the `bpf_kfunc`
 * declaration tags pahole emits with --btf_features=decl_tag_kfuncs, which pahole has from 1.27.
 * An older pahole still makes BTF and Kconfig keeps DEBUG_INFO_BTF, but the kfuncs keep their
 * C prototype with the extra argument, and every sched_ext scheduler fails to load ("func_proto
 * incompatible with vmlinux"). Measured with bookworm's pahole 1.24 on linux-source-7.2.
 */
export function requiredPaholeForKfuncs(resolveBtfidsSource: string): number | undefined {
  return /KF_IMPLICIT_ARGS/.test(resolveBtfidsSource) ? 127 : undefined;
}

/** Whether a vmlinux's .BTF carries the `bpf_kfunc` declaration tags (pahole >= 1.27 made it). */
export function hasKfuncDeclTags(btfSection: Buffer): boolean {
  return btfSection.includes(Buffer.from('\0bpf_kfunc\0'));
}

const asVersion = (n: number): string => `${Math.floor(n / 100)}.${n % 100}`;

/** The pahole versions a tree needs: for its Kconfig (BTF at all) and for its sched_ext kfuncs. */
export function paholeNeeds(tree: string): { kconfigNeed?: number; kfuncNeed?: number; need?: number } {
  const kconfig = join(tree, 'lib', 'Kconfig.debug');
  const kconfigNeed = existsSync(kconfig) ? requiredPaholeVersion(readFileSync(kconfig, 'utf8')) : undefined;
  const resolveBtfids = join(tree, 'tools', 'bpf', 'resolve_btfids', 'main.c');
  const kfuncNeed = existsSync(resolveBtfids) ? requiredPaholeForKfuncs(readFileSync(resolveBtfids, 'utf8')) : undefined;
  const need = Math.max(kconfigNeed ?? 0, kfuncNeed ?? 0) || undefined;
  return { ...(kconfigNeed ? { kconfigNeed } : {}), ...(kfuncNeed ? { kfuncNeed } : {}), ...(need ? { need } : {}) };
}

/** Throws, naming the package and the version needed, when `pahole` cannot make this tree's BTF. */
export function checkPahole(tree: string, pahole = 'pahole'): { have: number; need: number | undefined } {
  const r = spawnSync(pahole, ['--version'], { encoding: 'utf8' });
  const have = r.status === 0 ? paholeVersionNumber(r.stdout) : undefined;
  const { kconfigNeed, kfuncNeed, need } = paholeNeeds(tree);
  if (have === undefined) {
    throw new KtstrError('pahole', r.error?.message ?? r.stderr, 'is not installed, and the kernel needs it for BTF (and sched_ext needs BTF)', 'Install Debian\'s dwarves package.');
  }
  if (kconfigNeed !== undefined && have < kconfigNeed) {
    throw new KtstrError('pahole', `v${asVersion(have)}`, `is older than this tree's DEBUG_INFO_BTF needs (v${asVersion(kconfigNeed)}); Kconfig would drop BTF and sched_ext`,
      'Install a newer pahole (Debian package pahole or dwarves), or build one from source and put it first on PATH.');
  }
  if (kfuncNeed !== undefined && have < kfuncNeed) {
    throw new KtstrError('pahole', `v${asVersion(have)}`,
      `is older than v${asVersion(kfuncNeed)}, which this tree needs for its sched_ext kfuncs: without pahole's bpf_kfunc declaration tags, kfuncs with implicit arguments keep the wrong BTF prototype and no sched_ext scheduler loads`,
      'Install pahole 1.27 or newer (Debian trixie and sid have it; bookworm\'s is 1.24 and sid\'s needs a newer glibc), or build dwarves from source and put its pahole first on PATH.');
  }
  return { have, need };
}
