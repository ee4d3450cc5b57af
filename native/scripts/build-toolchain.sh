#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the BPF toolchain that the fixture scheduler (native/scheduler) needs:
# a static libbpf and a bpftool, both taken from one Debian linux-source
# package, plus the sched_ext userspace headers (tools/sched_ext/include) of
# that same tree.
#
# Why from one kernel source tree rather than the distro libbpf/bpftool:
# tools/sched_ext/include (common.bpf.h, compat.h, ...) tracks libbpf and
# bpftool of the same release (e.g. it calls bpf_program__assoc_struct_ops()
# and relies on the skeleton layout of that bpftool). Mixing an older distro
# libbpf with newer sched_ext headers does not build.
#
# Result layout, under $XDG_CACHE_HOME/ktstr/toolchain/<version>/ (default
# XDG_CACHE_HOME=~/.cache):
#   src/                 subset of the kernel tree (tools/, kernel/bpf, ...)
#   libbpf/lib/libbpf.a  static libbpf
#   libbpf/include/bpf/  libbpf headers (incl. generated bpf_helper_defs.h)
#   bin/bpftool          bpftool
#   toolchain.env        KEY=value facts (package, version, paths)
#
# Usage: build-toolchain.sh
#   Prints progress on stderr and the toolchain directory as the single line
#   on stdout, so callers can do: TC=$(build-toolchain.sh).
#
# Environment:
#   KTSTR_KSRC_PACKAGE  apt package to use, e.g. linux-source-7.2. Default: the
#                       newest linux-source-X.Y known to apt that ships
#                       tools/sched_ext (X.Y >= 6.12), else linux-source-7.2.
#   KTSTR_KSRC_DEB      path of an already downloaded .deb of that package;
#                       skips the download (must be the same package/version).
#   KTSTR_JOBS          parallel make jobs (default: nproc, at most 2 — the
#                       build hosts are small and shared).
#   XDG_CACHE_HOME      cache root (default ~/.cache).
#
# Concurrency: the whole build runs under flock(1) on a per-version lock
# file, so concurrent invocations build once and the others wait, then reuse.
# Atomicity: everything is built in .staging-<version>/ and renamed to
# <version>/ only when complete; a crashed run leaves no half toolchain.
# Steps already finished in the staging dir (stamped) are not redone.

set -euo pipefail

# sched_ext userspace tools (tools/sched_ext) landed in Linux 6.12.
readonly MIN_SCHED_EXT_MAJMIN="6.12"
readonly DEFAULT_KSRC_PACKAGE="linux-source-7.2"

log() { printf '[toolchain] %s\n' "$*" >&2; }
die() { printf '[toolchain] error: %s\n' "$*" >&2; exit 1; }

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/ktstr/toolchain"
jobs="${KTSTR_JOBS:-$(nproc)}"
if [ -z "${KTSTR_JOBS:-}" ] && [ "$jobs" -gt 2 ]; then jobs=2; fi

case "$(uname -m)" in
	x86_64) srcarch=x86 ;;
	aarch64) srcarch=arm64 ;;
	*) die "unsupported host architecture $(uname -m)" ;;
esac

# --- resolve package and version -------------------------------------------

# 0 if version $1 >= version $2 (dpkg-style ordering via sort -V).
version_ge() {
	[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]
}

# Prints the newest "linux-source-X.Y" with X.Y >= MIN_SCHED_EXT_MAJMIN that
# apt knows about, or nothing.
newest_ksrc_package() {
	local v best=""
	for v in $(apt-cache pkgnames linux-source- 2>/dev/null |
			grep -E '^linux-source-[0-9]+\.[0-9]+$' |
			sed 's/^linux-source-//' | sort -V); do
		if version_ge "$v" "$MIN_SCHED_EXT_MAJMIN"; then best="$v"; fi
	done
	[ -z "$best" ] || printf 'linux-source-%s\n' "$best"
}

# Candidate version of a package as apt would install it (e.g. 7.2.13-1).
candidate_version() {
	apt-cache show --no-all-versions "$1" 2>/dev/null |
		awk '/^Version:/ {print $2; exit}'
}

# Each apt-cache call costs ~2 s on hosts without a binary package cache, so
# the answer is memoized, keyed on everything it depends on: the requested
# package and the apt lists, sources and pinning (name, size, mtime).
apt_fingerprint() {
	{
		echo "request=${KTSTR_KSRC_PACKAGE:-}"
		stat -c '%n %s %Y' /var/lib/apt/lists/* /etc/apt/sources.list \
			/etc/apt/sources.list.d/* /etc/apt/preferences \
			/etc/apt/preferences.d/* 2>/dev/null || true
	} | sha256sum | cut -d' ' -f1
}

resolve_memo="$cache_root/.resolved"
fingerprint="$(apt_fingerprint)"
package="" version=""
if [ -f "$resolve_memo" ]; then
	read -r memo_fp memo_pkg memo_ver <"$resolve_memo" || true
	if [ "${memo_fp:-}" = "$fingerprint" ]; then
		package="$memo_pkg" version="$memo_ver"
	fi
fi

if [ -z "$version" ]; then
	package="${KTSTR_KSRC_PACKAGE:-}"
	if [ -z "$package" ]; then
		package="$(newest_ksrc_package || true)"
		[ -n "$package" ] || package="$DEFAULT_KSRC_PACKAGE"
	fi
	version="$(candidate_version "$package" || true)"
	if [ -n "$version" ]; then
		mkdir -p "$cache_root"
		printf '%s %s %s\n' "$fingerprint" "$package" "$version" >"$resolve_memo.$$"
		mv -f "$resolve_memo.$$" "$resolve_memo"
	fi
fi

if [ -z "$version" ] && [ -n "${KTSTR_KSRC_DEB:-}" ]; then
	version="$(dpkg-deb -f "$KTSTR_KSRC_DEB" Version)"
fi
if [ -z "$version" ]; then
	# apt does not know the package (no sid source configured, or offline
	# lists). A toolchain built earlier from this package is still good.
	prev="$(ls -1d "$cache_root"/*/.complete 2>/dev/null | xargs -r -n1 dirname |
		while read -r d; do
			grep -qx "KTSTR_KSRC_PACKAGE=$package" "$d/toolchain.env" && basename "$d"
		done | sort -V | tail -n1 || true)"
	[ -n "$prev" ] || die "apt knows no version of $package (is a source that ships it configured? try KTSTR_KSRC_PACKAGE)"
	log "apt has no $package; reusing the toolchain built earlier: $prev"
	version="$prev"
fi

# Version strings become directory names.
case "$version" in */*|.*|'') die "unexpected version string '$version'" ;; esac
log "using $package $version"

final="$cache_root/$version"
if [ -f "$final/.complete" ]; then
	log "$package $version: cached at $final (nothing to do)"
	printf '%s\n' "$final"
	exit 0
fi

# --- locked build -----------------------------------------------------------

mkdir -p "$cache_root"
lock="$cache_root/.$version.lock"
exec 9>"$lock"
if ! flock -n 9; then
	log "another build of $version is running; waiting for $lock"
	flock 9
fi
# The other holder may have finished it while we waited.
if [ -f "$final/.complete" ]; then
	log "$package $version: built by a concurrent run, cached at $final"
	printf '%s\n' "$final"
	exit 0
fi

stage="$cache_root/.staging-$version"
mkdir -p "$stage"
buildlog="$stage/build.log"
log "building $package $version in $stage (jobs=$jobs, log: $buildlog)"

t_all=$SECONDS
ran_steps=()

# step NAME FUNCTION: run FUNCTION unless a stamp says it already finished in
# this staging dir (a previous run failed or was interrupted later on).
# FUNCTION runs in a subshell with errexit on; it must not be called from an
# `if` condition, where bash would silently disable errexit inside it.
step() {
	local name="$1" fn="$2" t0=$SECONDS rc
	if [ -f "$stage/.step-$name" ]; then
		log "step $name: already done in staging, skipped"
		return
	fi
	log "step $name: running"
	set +e
	( set -e; "$fn" ) >>"$buildlog" 2>&1
	rc=$?
	set -e
	if [ "$rc" -ne 0 ]; then
		tail -n 40 "$buildlog" >&2
		die "step $name failed (exit $rc; full log: $buildlog)"
	fi
	touch "$stage/.step-$name"
	ran_steps+=("$name")
	log "step $name: done in $((SECONDS - t0))s"
}

deb_path() {
	if [ -n "${KTSTR_KSRC_DEB:-}" ]; then
		printf '%s\n' "$KTSTR_KSRC_DEB"
	else
		ls -1 "$stage"/dl/"${package}"_*.deb 2>/dev/null | head -n1
	fi
}

do_download() {
	if [ -n "${KTSTR_KSRC_DEB:-}" ]; then
		[ -f "$KTSTR_KSRC_DEB" ] || { echo "KTSTR_KSRC_DEB=$KTSTR_KSRC_DEB does not exist"; return 1; }
		local p v
		p="$(dpkg-deb -f "$KTSTR_KSRC_DEB" Package)"
		v="$(dpkg-deb -f "$KTSTR_KSRC_DEB" Version)"
		if [ "$p" != "$package" ] || [ "$v" != "$version" ]; then
			echo "KTSTR_KSRC_DEB is $p $v, wanted $package $version"
			return 1
		fi
		echo "using pre-downloaded $KTSTR_KSRC_DEB"
		return 0
	fi
	rm -rf "$stage/dl"
	mkdir -p "$stage/dl"
	# apt-get download writes into the current directory. As root, apt warns
	# that it cannot drop to the _apt user for a directory _apt cannot
	# write to; that is harmless here.
	cd "$stage/dl"
	apt-get download "$package=$version"
	ls -l "$stage/dl"
}

# Only what libbpf, bpftool and the sched_ext headers need: the whole tree is
# ~1.5 GB unpacked, this subset ~10 MB.
do_extract() {
	local deb src="$stage/src"
	deb="$(deb_path)"
	[ -n "$deb" ] && [ -f "$deb" ] || { echo "no .deb to extract"; return 1; }
	rm -rf "$src" && mkdir -p "$src"
	local top="${package}"   # tarball top dir, e.g. linux-source-7.2/
	local members=(
		"$top/tools/lib/bpf"         # libbpf
		"$top/tools/bpf/bpftool"     # bpftool
		"$top/tools/sched_ext"       # scx/*.h headers used by the scheduler
		"$top/tools/include"         # uapi + compat headers for both
		"$top/tools/arch/$srcarch"   # arch bits libbpf includes
		"$top/tools/build"           # fixdep, feature detection
		"$top/tools/scripts"         # Makefile.include, Makefile.arch
		"$top/kernel/bpf"            # disasm.[ch], compiled into bpftool
		"$top/scripts/bpf_doc.py"    # generates bpf_helper_defs.h
	)
	# The .deb carries usr/src/<package>.tar.xz; stream it out of the .deb
	# and decompress once instead of writing the 160 MB tarball to disk.
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./usr/src/$package.tar.xz" |
		xz -dc |
		tar -x -C "$src" --strip-components=1 "${members[@]}"
	test -f "$src/tools/sched_ext/include/scx/common.bpf.h" ||
		{ echo "$package has no tools/sched_ext (need >= $MIN_SCHED_EXT_MAJMIN)"; return 1; }
}

do_libbpf() {
	local obj="$stage/build/libbpf" dest="$stage/libbpf"
	rm -rf "$obj" "$dest" && mkdir -p "$obj"
	# Static only: the shared lib and its ABI check are of no use here.
	# -fPIC so the archive can also be linked into shared objects later.
	make -C "$stage/src/tools/lib/bpf" -j"$jobs" \
		OUTPUT="$obj/" DESTDIR="$dest" prefix= \
		EXTRA_CFLAGS='-g -O2 -fPIC' \
		"$obj/libbpf.a" install_headers
	install -D -m 0644 "$obj/libbpf.a" "$dest/lib/libbpf.a"
}

do_bpftool() {
	local obj="$stage/build/bpftool/"
	rm -rf "$obj" "$stage/bin" && mkdir -p "$obj"
	# FEATURE_TESTS is pinned so the result does not depend on which optional
	# -dev packages the host has: no LLVM/libbfd JIT disassembler, no libcap,
	# no libcrypto (signing), and no BPF skeletons inside bpftool itself
	# ("prog profile" and pid listing), which would need a vmlinux BTF at
	# build time. btf dump / gen object / gen skeleton are all there.
	make -C "$stage/src/tools/bpf/bpftool" -j"$jobs" \
		OUTPUT="$obj" \
		FEATURE_TESTS=libelf-zstd FEATURE_DISPLAY=libelf-zstd \
		SKIP_LLVM=1 SKIP_LIBBFD=1 SKIP_CRYPTO=1 VMLINUX_BTF= \
		BPFTOOL_VERSION="$version" \
		"${obj}bpftool"
	install -D -m 0755 "${obj}bpftool" "$stage/bin/bpftool"
	"$stage/bin/bpftool" version
}

do_finish() {
	cat >"$stage/toolchain.env" <<-EOF
	KTSTR_KSRC_PACKAGE=$package
	KTSTR_TOOLCHAIN_VERSION=$version
	KTSTR_TOOLCHAIN_ARCH=$srcarch
	EOF
	# Objects and the downloaded .deb are not needed any more.
	rm -rf "$stage/build" "$stage/dl"
}

# The .deb is only needed until the subset is extracted.
if [ ! -f "$stage/.step-extract" ]; then
	step download do_download
fi
step extract do_extract
step libbpf do_libbpf
step bpftool do_bpftool
step finish do_finish

# Publish atomically: the rename is the commit point, .complete is already
# inside, so nobody can observe a toolchain dir that is not finished.
rm -f "$stage"/.step-*
touch "$stage/.complete"
rm -rf "$final"
mv "$stage" "$final"

log "built $package $version in $((SECONDS - t_all))s; steps run: ${ran_steps[*]:-none}"
log "libbpf:  $final/libbpf/lib/libbpf.a"
log "bpftool: $final/bin/bpftool"
printf '%s\n' "$final"
