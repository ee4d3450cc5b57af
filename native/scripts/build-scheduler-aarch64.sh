#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Cross-build the ktstr fixture scheduler (native/scheduler) for arm64 guests
# into native/out/aarch64/scx-ktstr: a static aarch64 loader whose BPF object
# is built against the arm64 kernel's BTF (docs/aarch64.md).
#
#   1. the host toolchain of build-toolchain.sh (bpftool runs on the host;
#      libbpf's headers and the sched_ext headers are the same for arm64);
#   2. an arm64 side beside it, built once per toolchain version in
#      <cache>/ktstr/toolchain/<version>-aarch64/:
#        - sysroot/: Debian's libelf-dev, zlib1g-dev and libzstd-dev for arm64,
#          downloaded and unpacked (never installed) for their static archives;
#        - src/: the host toolchain's source subset plus tools/arch/arm64
#          from the same linux-source package (libbpf includes its barrier.h);
#        - libbpf/libbpf.a: libbpf cross-compiled with aarch64-linux-gnu-gcc;
#   3. vmlinux.h from the arm64 kernel's BTF, the BPF object with
#      -D__TARGET_ARCH_arm64, the skeleton, and the loader linked statically
#      (the guest has no arm64 libraries, and the host's closure resolver has
#      no arm64 ld.so.cache to find them with).
#
# Usage: build-scheduler-aarch64.sh VMLINUX
#   VMLINUX  the arm64 kernel's vmlinux (its BTF), e.g. the cache entry's.
# Environment: KTSTR_NATIVE_OUT, KTSTR_FORCE=1, CLANG, XDG_CACHE_HOME as for
# build-scheduler.sh; KTSTR_KSRC_PACKAGE (default linux-source-X.Y of the
# kernel's version, read from meta.json beside VMLINUX). Needs gcc-aarch64-linux-gnu and arm64 known to dpkg
# (`npx ktstr setup` does both).

set -euo pipefail

log() { printf '[scheduler-aarch64] %s\n' "$*" >&2; }
die() { printf '[scheduler-aarch64] error: %s\n' "$*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
t_start=$(now_ms)

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bpf-build-lib.sh
. "$script_dir/bpf-build-lib.sh"
native_dir="$(dirname "$script_dir")"
src_dir="$native_dir/scheduler"
out_dir="${KTSTR_NATIVE_OUT:-$native_dir/out}/aarch64"
out_bin="$out_dir/scx-ktstr"
cache_home="${XDG_CACHE_HOME:-$HOME/.cache}"
CROSS_CC=aarch64-linux-gnu-gcc

vmlinux="${1:-}"
[ -n "$vmlinux" ] && [ -f "$vmlinux" ] || die "give the arm64 kernel's vmlinux (got '${vmlinux}')"
command -v "$CROSS_CC" >/dev/null || die "$CROSS_CC not found (Debian package gcc-aarch64-linux-gnu)"
if [ -z "${CLANG:-}" ]; then
	CLANG=$(command -v clang-22 || command -v clang-19 || true)
fi
[ -n "$CLANG" ] || die "no clang-22 or clang-19"
arena_flags=()
[ "$("$CLANG" --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n1)" -ge 22 ] && arena_flags=(-DKTSTR_ARENA)

# The host side of the toolchain, of the kernel's own version.
use_kernel_toolchain "$vmlinux"
scx_inc="$tc/src/tools/sched_ext/include"

# --- the arm64 side of the toolchain, once per toolchain version ---
arm="$cache_home/ktstr/toolchain/$KTSTR_TOOLCHAIN_VERSION-aarch64"
mkdir -p "$(dirname "$arm")"
exec 8>"$arm.lock"
flock 8
if [ ! -f "$arm/.complete" ]; then
	log "arm64 toolchain in $arm (once)"
	stage="$(mktemp -d "$arm.stage-XXXXXX")"
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage/dl" "$stage/sysroot"
	(cd "$stage/dl" && apt-get download -q libelf-dev:arm64 zlib1g-dev:arm64 libzstd-dev:arm64 >&2) ||
		die "apt-get download of the arm64 -dev packages failed (is arm64 a dpkg architecture? npx ktstr setup adds it)"
	for deb in "$stage"/dl/*.deb; do dpkg-deb -x "$deb" "$stage/sysroot"; done
	cp -a "$tc/src" "$stage/src"
	package="$KTSTR_KSRC_PACKAGE"
	version="${KTSTR_TOOLCHAIN_VERSION}"
	log "tools/arch/arm64 from $package=$version"
	(cd "$stage/dl" && apt-get download -q "$package=$version" >&2) || die "apt-get download $package=$version failed"
	dpkg-deb --fsys-tarfile "$stage"/dl/"$package"_*.deb |
		tar -xO "./usr/src/$package.tar.xz" | xz -dc |
		tar -x -C "$stage/src" --strip-components=1 "$package/tools/arch/arm64"
	rm -f "$stage"/dl/"$package"_*.deb
	# UAPI headers libbpf reaches through tools/arch/arm64/include/uapi that some
	# versions' tools tree lacks: the cross toolchain's copies are the same UAPI.
	uapi="$stage/src/tools/arch/arm64/include/uapi/asm"
	mkdir -p "$uapi"
	for h in bpf_perf_event.h ptrace.h sve_context.h; do
		[ -f "$uapi/$h" ] || cp "/usr/aarch64-linux-gnu/include/asm/$h" "$uapi/$h"
	done
	log "libbpf for arm64"
	mkdir -p "$stage/build/libbpf"
	make -s -C "$stage/src/tools/lib/bpf" -j2 ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- CC="$CROSS_CC" \
		OUTPUT="$stage/build/libbpf/" EXTRA_CFLAGS="-g -O2 -I$stage/sysroot/usr/include" \
		"$stage/build/libbpf/libbpf.a" >&2
	install -D -m 0644 "$stage/build/libbpf/libbpf.a" "$stage/libbpf/libbpf.a"
	rm -rf "$stage/build" "$stage/dl"
	touch "$stage/.complete"
	rm -rf "$arm"
	mv "$stage" "$arm"
	trap - EXIT
fi
exec 8>&-

build_id="$(vmlinux_build_id "$vmlinux")"
key="$(inputs_key "$build_id" "" "$CLANG" "$CROSS_CC" -- \
	"$src_dir/scx_ktstr.bpf.c" "$src_dir/scx_ktstr.c" "$script_dir/build-scheduler-aarch64.sh")"

lock_or_up_to_date "$out_dir" scx-ktstr "$key"

tmp="$(mktemp -d "$out_dir/.build-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
log "vmlinux.h from $vmlinux"
"$bpftool" btf dump file "$vmlinux" format c >"$tmp/vmlinux.h"
find_bpf_sys_includes "$CLANG"
log "BPF object (arm64)"
(cd "$src_dir" && "$CLANG" -target bpf -O2 -g -mcpu=v3 -mlittle-endian \
	-D__TARGET_ARCH_arm64 "${arena_flags[@]}" \
	-I"$tmp" -I"$scx_inc" -I"$scx_inc/bpf-compat" \
	-I"$tc/libbpf/include" -I"$tc/src/tools/include/uapi" \
	"${bpf_sys_includes[@]}" \
	-Wall -Werror -Wno-compare-distinct-pointer-types -Wno-microsoft-anon-tag -fms-extensions \
	-c scx_ktstr.bpf.c -o "$tmp/scx_ktstr.bpf.o")
"$bpftool" gen object "$tmp/scx_ktstr.linked.o" "$tmp/scx_ktstr.bpf.o"
"$bpftool" gen skeleton "$tmp/scx_ktstr.linked.o" name scx_ktstr >"$tmp/scx_ktstr.bpf.skel.h"
log "loader (static aarch64)"
"$CROSS_CC" -O2 -g -Wall -Werror -Wno-unused-parameter \
	-I"$tmp" -I"$scx_inc" -I"$tc/libbpf/include" -I"$tc/src/tools/include/uapi" -I"$arm/sysroot/usr/include" \
	-c "$src_dir/scx_ktstr.c" -o "$tmp/scx_ktstr.o"
"$CROSS_CC" -static -o "$tmp/scx-ktstr" "$tmp/scx_ktstr.o" "$arm/libbpf/libbpf.a" \
	-L"$arm/sysroot/usr/lib/aarch64-linux-gnu" -lelf -lz -lzstd
mv -f "$tmp/scx-ktstr" "$out_bin"
printf '%s\n' "$key" >"$out_bin.stamp"
log "built $out_bin ($(( $(now_ms) - t_start )) ms)"
