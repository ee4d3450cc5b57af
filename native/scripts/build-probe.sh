#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build auto-repro's probe loader (native/probe) into native/out/ktstr-probe,
# the same way build-scheduler.sh builds the fixture scheduler: the toolchain
# of build-toolchain.sh (libbpf, bpftool), vmlinux.h from the target
# kernel's BTF, clang -target bpf, a libbpf skeleton, and a loader linked
# statically against libbpf and dynamically against libelf/zlib/libzstd.
#
# Usage: build-probe.sh [VMLINUX]   (default $KTSTR_VMLINUX, else the cached kernel)
# Environment: KTSTR_NATIVE_OUT, KTSTR_FORCE=1, CLANG, CC, XDG_CACHE_HOME as
# for build-scheduler.sh. Skipped while its inputs (sources, this script,
# toolchain version, vmlinux build ID, compiler versions) are unchanged.

set -euo pipefail

readonly DEFAULT_KERNEL="7.2.13+deb14-cloud-amd64"

log() { printf '[probe] %s\n' "$*" >&2; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
die() { printf '[probe] error: %s\n' "$*" >&2; exit 1; }
t_start=$(now_ms)

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bpf-build-lib.sh
. "$script_dir/bpf-build-lib.sh"
native_dir="$(dirname "$script_dir")"
src_dir="$native_dir/probe"
out_dir="${KTSTR_NATIVE_OUT:-$native_dir/out}"
name="ktstr-probe"
out_bin="$out_dir/$name"
obj_dir="$out_dir/probe-obj"

cache_home="${XDG_CACHE_HOME:-$HOME/.cache}"
vmlinux="${1:-${KTSTR_VMLINUX:-$cache_home/ktstr/kernels/$DEFAULT_KERNEL/vmlinux}}"
CLANG="${CLANG:-clang-19}"
CC="${CC:-cc}"

[ -f "$vmlinux" ] || die "no vmlinux at $vmlinux (pass a path or set KTSTR_VMLINUX)"
command -v "$CLANG" >/dev/null || die "$CLANG not found"
command -v "$CC" >/dev/null || die "$CC not found"

use_kernel_toolchain "$vmlinux"
build_id="$(vmlinux_build_id "$vmlinux")"

key="$(inputs_key "$build_id" "" "$CLANG" "$CC" -- \
	"$src_dir/ktstr_probe.bpf.c" "$src_dir/ktstr_probe.c" "$script_dir/build-probe.sh")"
lock_or_up_to_date "$out_dir" "$name" "$key"

log "building against $vmlinux (build id $build_id), toolchain $KTSTR_TOOLCHAIN_VERSION"
tmp="$(mktemp -d "$out_dir/.probe-build-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
t0=$(now_ms)

"$bpftool" btf dump file "$vmlinux" format c >"$tmp/vmlinux.h"
find_bpf_sys_includes "$CLANG"

log "BPF object"
"$CLANG" -target bpf -O2 -g -mcpu=v3 -mlittle-endian \
	-D__TARGET_ARCH_"$KTSTR_TOOLCHAIN_ARCH" \
	-I"$tmp" -I"$tc/libbpf/include" -I"$tc/src/tools/include/uapi" \
	"${bpf_sys_includes[@]}" -Wall -Werror -Wno-microsoft-anon-tag -fms-extensions \
	-c "$src_dir/ktstr_probe.bpf.c" -o "$tmp/ktstr_probe.bpf.o"
"$bpftool" gen object "$tmp/ktstr_probe.linked.o" "$tmp/ktstr_probe.bpf.o"
"$bpftool" gen skeleton "$tmp/ktstr_probe.linked.o" name ktstr_probe_bpf >"$tmp/ktstr_probe.bpf.skel.h"

log "loader"
"$CC" -O2 -g -Wall -Werror -Wno-unused-parameter \
	-I"$tmp" -I"$tc/libbpf/include" -I"$tc/src/tools/include/uapi" \
	-c "$src_dir/ktstr_probe.c" -o "$tmp/ktstr_probe.o"
"$CC" -o "$tmp/$name" "$tmp/ktstr_probe.o" "$tc/libbpf/lib/libbpf.a" \
	-Wl,--as-needed -lelf -lz -lzstd

mv -f "$tmp/$name" "$out_bin"
rm -rf "$obj_dir"
mkdir -p "$obj_dir"
mv "$tmp"/vmlinux.h "$tmp"/ktstr_probe.* "$obj_dir/"
printf '%s\n' "$key" >"$out_bin.stamp"
log "built $out_bin in $(( $(now_ms) - t0 )) ms (total with toolchain check $(( $(now_ms) - t_start )) ms)"
