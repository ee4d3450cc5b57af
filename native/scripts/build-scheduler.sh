#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the ktstr fixture sched_ext scheduler (native/scheduler) into
# native/out/scx-ktstr.
#
#   1. toolchain: libbpf, bpftool and the sched_ext headers come from
#      build-toolchain.sh (cached, built once per kernel source version);
#   2. vmlinux.h is generated from the BTF of the target kernel's vmlinux;
#   3. the BPF side is compiled with clang -target bpf and turned into a
#      libbpf skeleton header;
#   4. the loader is compiled and linked statically against the toolchain's
#      libbpf.a and dynamically against the system libelf, zlib and libzstd
#      (--as-needed: only those actually referenced end up in DT_NEEDED).
#
# Usage: build-scheduler.sh [--coverage] [VMLINUX]
#   --coverage  build the gcov-instrumented loader native/out/scx-ktstr-cov
#               instead (for `ktstr coverage`, docs/coverage.md): the loader
#               is compiled with gcc --coverage at -O0 (libgcov links
#               statically, so the guest needs nothing more), the BPF side is
#               the same. Its objects and scx_ktstr.gcno stay in
#               native/out/scheduler-cov-obj/, whose absolute path is compiled
#               into the binary as where scx_ktstr.gcda belongs.
#   VMLINUX     kernel image with .BTF to build against; default $KTSTR_VMLINUX,
#               else the cached ktstr kernel (see DEFAULT_KERNEL below).
#
# Environment:
#   KTSTR_VMLINUX   see above
#   KTSTR_NATIVE_OUT  output directory (default native/out); an installed
#                   package builds into the cache instead of node_modules
#   KTSTR_FORCE=1   rebuild even if the stamp says nothing changed
#   CLANG, CC       compilers (default clang-22 for the BPF side, else clang-19
#                   without the arena fixture; cc)
#   XDG_CACHE_HOME  cache root (default ~/.cache), also for build-toolchain.sh
#
# The build is skipped when the stamp native/out/scx-ktstr.stamp matches a
# hash of: the scheduler sources, this script, the toolchain version, the
# vmlinux GNU build ID and the compiler versions. Output is replaced
# atomically (built in a temp dir, renamed), under flock so that concurrent
# invocations build once.

set -euo pipefail

readonly DEFAULT_KERNEL="7.2.13+deb14-cloud-amd64"

log() { printf '[scheduler] %s\n' "$*" >&2; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
t_start=$(now_ms)
die() { printf '[scheduler] error: %s\n' "$*" >&2; exit 1; }

coverage=""
if [ "${1:-}" = "--coverage" ]; then
	coverage=1
	shift
fi

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bpf-build-lib.sh
. "$script_dir/bpf-build-lib.sh"
native_dir="$(dirname "$script_dir")"
src_dir="$native_dir/scheduler"
out_dir="${KTSTR_NATIVE_OUT:-$native_dir/out}"
name="scx-ktstr${coverage:+-cov}"
out_bin="$out_dir/$name"
obj_dir="$out_dir/scheduler${coverage:+-cov}-obj"

cache_home="${XDG_CACHE_HOME:-$HOME/.cache}"
vmlinux="${1:-${KTSTR_VMLINUX:-$cache_home/ktstr/kernels/$DEFAULT_KERNEL/vmlinux}}"
CC="${CC:-cc}"
# The BPF side's arena code (the cast analysis's arena fixture) needs clang-22:
# clang-19's arena code is rejected by the 7.x verifier. Without clang-22 the
# scheduler is built with clang-19 and without the arena part, and says so.
if [ -z "${CLANG:-}" ]; then
	if command -v clang-22 >/dev/null; then
		CLANG=clang-22
	else
		CLANG=clang-19
		log "clang-22 not found: building with clang-19, without the arena fixture (npx ktstr setup installs clang-22)"
	fi
fi

[ -f "$vmlinux" ] || die "no vmlinux at $vmlinux (pass a path or set KTSTR_VMLINUX)"
command -v "$CLANG" >/dev/null || die "$CLANG not found"
clang_major="$("$CLANG" --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n1)"
arena_flags=()
if [ "${clang_major:-0}" -ge 22 ]; then
	arena_flags=(-DKTSTR_ARENA)
fi
command -v "$CC" >/dev/null || die "$CC not found"

use_kernel_toolchain "$vmlinux"
scx_inc="$tc/src/tools/sched_ext/include"

build_id="$(vmlinux_build_id "$vmlinux")"

key="$(inputs_key "$build_id" "coverage=${coverage:-0}" "$CLANG" "$CC" -- \
	"$src_dir/scx_ktstr.bpf.c" "$src_dir/scx_ktstr.c" "$script_dir/build-scheduler.sh")"
lock_or_up_to_date "$out_dir" "$name" "$key"

log "building against $vmlinux (build id $build_id), toolchain $KTSTR_TOOLCHAIN_VERSION"
tmp="$(mktemp -d "$out_dir/.build-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

t0=$(now_ms)
log "vmlinux.h"
"$bpftool" btf dump file "$vmlinux" format c >"$tmp/vmlinux.h"

find_bpf_sys_includes "$CLANG"

log "BPF object"
# Compiled from inside the source dir so __FILE__, which scx_bpf_error()
# prefixes to its messages, is the bare file name.
(cd "$src_dir" && "$CLANG" -target bpf -O2 -g -mcpu=v3 -mlittle-endian \
	-D__TARGET_ARCH_"$KTSTR_TOOLCHAIN_ARCH" "${arena_flags[@]}" \
	-I"$tmp" -I"$scx_inc" -I"$scx_inc/bpf-compat" \
	-I"$tc/libbpf/include" -I"$tc/src/tools/include/uapi" \
	"${bpf_sys_includes[@]}" \
	-Wall -Werror -Wno-compare-distinct-pointer-types \
	-Wno-microsoft-anon-tag -fms-extensions \
	-c scx_ktstr.bpf.c -o "$tmp/scx_ktstr.bpf.o")

log "skeleton"
# Run the object through the BPF static linker like tools/sched_ext does:
# it finalizes sections the way libbpf expects for skeletons.
"$bpftool" gen object "$tmp/scx_ktstr.linked.o" "$tmp/scx_ktstr.bpf.o"
"$bpftool" gen skeleton "$tmp/scx_ktstr.linked.o" name scx_ktstr >"$tmp/scx_ktstr.bpf.skel.h"

log "loader${coverage:+ (gcov-instrumented)}"
if [ -n "$coverage" ]; then
	# The object is compiled where it stays: gcc puts scx_ktstr.gcno beside
	# it and compiles that directory's absolute path into the binary as the
	# place of scx_ktstr.gcda. The guest agent's GCOV_PREFIX moves the .gcda
	# under its collect directory with this path below it, which is how the
	# host finds the .gcno again (core/src/coverage/gcov-lcov.ts). -O0 keeps
	# line counts faithful to the source.
	rm -rf "$obj_dir"
	mkdir -p "$obj_dir"
	loader_obj="$obj_dir/scx_ktstr.o"
	"$CC" -O0 -g --coverage -Wall -Werror -Wno-unused-parameter \
		-I"$tmp" -I"$scx_inc" -I"$tc/libbpf/include" -I"$tc/src/tools/include/uapi" \
		-c "$src_dir/scx_ktstr.c" -o "$loader_obj"
	"$CC" --coverage -o "$tmp/$name" "$loader_obj" "$tc/libbpf/lib/libbpf.a" \
		-Wl,--as-needed -lelf -lz -lzstd
else
	loader_obj="$tmp/scx_ktstr.o"
	"$CC" -O2 -g -Wall -Werror -Wno-unused-parameter \
		-I"$tmp" -I"$scx_inc" -I"$tc/libbpf/include" -I"$tc/src/tools/include/uapi" \
		-c "$src_dir/scx_ktstr.c" -o "$loader_obj"
	"$CC" -o "$tmp/$name" "$loader_obj" "$tc/libbpf/lib/libbpf.a" \
		-Wl,--as-needed -lelf -lz -lzstd
fi

mv -f "$tmp/$name" "$out_bin"
# Keep the intermediates of the last build for debugging (vmlinux.h,
# skeleton, objects); out/ is shared with the other native builds.
if [ -z "$coverage" ]; then
	rm -rf "$obj_dir"
	mkdir -p "$obj_dir"
fi
mv "$tmp"/vmlinux.h "$tmp"/scx_ktstr.* "$obj_dir/"
printf '%s\n' "$key" >"$out_bin.stamp"

log "built $out_bin in $(( $(now_ms) - t0 )) ms (total with toolchain check $(( $(now_ms) - t_start )) ms)"
