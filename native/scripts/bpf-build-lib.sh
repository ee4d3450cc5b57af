# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the scripts that build a BPF program and its libbpf loader
# against a target kernel (build-scheduler.sh, build-scheduler-aarch64.sh,
# build-probe.sh): the steps they all take the same way. The caller defines
# log and die (with its own prefix) and t_start/now_ms for the timings.

# The kernel's GNU build ID: it identifies the build (and so its BTF) without
# hashing the ~60 MB image; the image's sha256 when it has none.
vmlinux_build_id() {
	local id
	id="$(readelf -n "$1" 2>/dev/null | awk '/Build ID:/ {print $3; exit}')"
	[ -n "$id" ] || id="sha256:$(sha256sum "$1" | cut -d' ' -f1)"
	printf '%s\n' "$id"
}

# The sched_ext and libbpf headers must come from the target kernel's own
# source package: a newer compat.h expects struct_ops members an older kernel
# lacks (a 7.3 source against a 7.2 kernel does not compile). Unless
# KTSTR_KSRC_PACKAGE says otherwise, ask for linux-source-X.Y of the kernel's
# X.Y — from its cache entry's meta.json, else its 'Linux version' banner —
# and source that toolchain (build-toolchain.sh): sets tc and bpftool.
use_kernel_toolchain() {
	local vmlinux="$1" meta majmin=""
	if [ -z "${KTSTR_KSRC_PACKAGE:-}" ]; then
		meta="$(dirname "$vmlinux")/meta.json"
		[ -f "$meta" ] && majmin="$(sed -n 's/.*"version": *"\([0-9]*\.[0-9]*\).*/\1/p' "$meta" | head -n1)"
		[ -n "$majmin" ] || majmin="$(grep -a -m1 -o 'Linux version [0-9]\+\.[0-9]\+' "$vmlinux" | awk '{print $3}' || true)"
		if [ -n "$majmin" ]; then
			export KTSTR_KSRC_PACKAGE="linux-source-$majmin"
		else
			log "no kernel version found for $vmlinux: the toolchain picks its default source"
		fi
	fi
	log "toolchain${KTSTR_KSRC_PACKAGE:+ of $KTSTR_KSRC_PACKAGE}"
	tc="$("$script_dir/build-toolchain.sh")"
	# shellcheck source=/dev/null
	. "$tc/toolchain.env"
	bpftool="$tc/bin/bpftool"
}

# clang -target bpf does not search the host's include dirs: bpf_sys_includes
# gets them as -idirafter (last), so e.g. asm/types.h resolves as on the host
# without shadowing the kernel headers given with -I.
find_bpf_sys_includes() {
	local dir
	bpf_sys_includes=()
	while read -r dir; do
		bpf_sys_includes+=(-idirafter "$dir")
	done < <("$1" -v -E - </dev/null 2>&1 |
		sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|\1|p }')
}

# A hash of what a build's output depends on: the toolchain, the kernel's
# build, an extra line (build options; may be empty), the compilers' versions,
# and the given sources and scripts with this library.
#   inputs_key BUILD_ID EXTRA COMPILER... -- FILE...
inputs_key() {
	local build_id="$1" extra="$2" compilers=()
	shift 2
	while [ "$1" != "--" ]; do
		compilers+=("$1")
		shift
	done
	shift
	{
		echo "toolchain=$KTSTR_TOOLCHAIN_VERSION"
		echo "vmlinux=$build_id"
		if [ -n "$extra" ]; then echo "$extra"; fi
		for c in "${compilers[@]}"; do "$c" --version | head -n1; done
		sha256sum "$@" "$script_dir/bpf-build-lib.sh" | cut -d' ' -f1
	} | sha256sum | cut -d' ' -f1
}

# Takes the output's build lock (fd 9, held until the script exits), so that
# concurrent invocations build once; then exits 0 when the stamp beside the
# binary says it was built from the same inputs (KTSTR_FORCE=1 rebuilds).
#   lock_or_up_to_date OUT_DIR NAME KEY
lock_or_up_to_date() {
	local out_dir="$1" name="$2" key="$3"
	mkdir -p "$out_dir"
	exec 9>"$out_dir/.$name.lock"
	if ! flock -n 9; then
		log "another build is running; waiting"
		flock 9
	fi
	if [ -z "${KTSTR_FORCE:-}" ] && [ -x "$out_dir/$name" ] && [ -f "$out_dir/$name.stamp" ] &&
	   [ "$(cat "$out_dir/$name.stamp")" = "$key" ]; then
		log "up to date: $out_dir/$name (inputs unchanged, $(( $(now_ms) - t_start )) ms)"
		exit 0
	fi
}
