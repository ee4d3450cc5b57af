/**
 * The shell part of a runfile: POSIX sh that busybox sh runs, using only tools busybox has
 * (awk, sed, base64, gzip, tar, mktemp, id). The payload (a base64 tar.gz) follows the line
 * `__KTSTR_PAYLOAD__`. See docs/debugging.md for what it checks and why.
 */
import type { Topology } from '../topology/topology.js';
import { topologyLabel, topologyLayout } from '../topology/topology.js';

export const PAYLOAD_MARKER = '__KTSTR_PAYLOAD__';

export interface RunfileHeader {
  test: string;
  topology: Topology;
  /** The test's scheduler by name (its ops name as sched_ext reports it is not known here); undefined for EEVDF. */
  scheduler?: string;
  schedulerIncluded: boolean;
  hostOnly: readonly string[];
  exportedAt: string;
}

/** Single-quoted for sh. */
export const shQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function runfileScript(h: RunfileHeader): string {
  const t = h.topology;
  const cpus = t.numaNodes * t.llcs * t.coresPerLlc * t.threadsPerCore;
  // Which CPUs share an LLC, a node, a core, as the scenario's CPU numbers were resolved: the
  // target must number its CPUs the same way, not only have as many (sorted as LC_ALL=C sort does).
  const layout = topologyLayout(t);
  const sets = (groups: number[][]) => `${groups.map((g) => g.join(',')).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join(' ')} `;
  return `#!/bin/sh
# ktstr runfile: the test ${JSON.stringify(h.test)} on ${topologyLabel(t)}, made by \`ktstr export\` at ${h.exportedAt}.
# Runs the test's scenario on this machine with the ktstr guest agent and judges it with the
# test's checks. As root: sh THIS_FILE [--start-scheduler] [--messages FILE] [--keep]
#   --start-scheduler  start the packaged scheduler (else the run is under the active one)
#   --messages FILE    keep the agent's messages, for \`ktstr export TEST --verify FILE\` on the host
#   --keep             keep the extracted directory (printed as "dir")
# Prints one JSON object (verdict, reason, checks, metrics). Exit 0 pass, 1 fail, 2 cannot run here.
set -u
KTSTR_TEST=${shQuote(h.test)}
KTSTR_TOPOLOGY=${shQuote(topologyLabel(t))}
KTSTR_NODES=${t.numaNodes}
KTSTR_LLCS=${t.llcs}
KTSTR_CPUS=${cpus}
KTSTR_THREADS=${t.threadsPerCore}
KTSTR_LLC_SETS='${sets(layout.llcCpus)}'
KTSTR_NODE_SETS='${sets(layout.nodeCpus)}'
KTSTR_CORE_SETS='${sets(layout.coreCpus)}'
KTSTR_SCHEDULER=${shQuote(h.scheduler ?? '')}
KTSTR_SCHEDULER_INCLUDED=${h.schedulerIncluded ? 1 : 0}
KTSTR_HOST_ONLY=${shQuote(JSON.stringify(h.hostOnly))}
SYS=\${KTSTR_SYS:-/sys}

jstr() { printf '%s' "$1" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g' | tr '\\n\\t' '  '; }
cannot_run() {
  printf '{"test":"%s","topology":"%s","verdict":"cannot-run","reason":"%s"}\\n' "$(jstr "$KTSTR_TEST")" "$KTSTR_TOPOLOGY" "$(jstr "$1")"
  [ -n "\${dir:-}" ] && [ "$keep" = 0 ] && rm -rf "$dir"
  exit 2
}

start_scheduler=0; messages=''; keep=0; dir=''
while [ $# -gt 0 ]; do
  case "$1" in
    --start-scheduler) start_scheduler=1 ;;
    --messages) [ $# -ge 2 ] || cannot_run "--messages needs a file name"; messages=$2; shift ;;
    --messages=*) messages=\${1#--messages=} ;;
    --keep) keep=1 ;;
    *) cannot_run "unknown argument $1 (usage: sh $0 [--start-scheduler] [--messages FILE] [--keep])" ;;
  esac
  shift
done

[ "$(id -u)" = 0 ] || cannot_run "needs root (it creates cgroups and sets CPU affinity and policies); run it with sudo"

# The topology the test was exported for, against this machine's, from sysfs.
count_list() { awk -F, '{ n = 0; for (i = 1; i <= NF; i++) { if (split($i, r, "-") == 2) n += r[2] - r[1] + 1; else if ($i != "") n++ } print n }'; }
online=$(cat "$SYS/devices/system/cpu/online" 2>/dev/null) || cannot_run "cannot read $SYS/devices/system/cpu/online"
have_cpus=$(echo "$online" | count_list)
have_nodes=$(ls -d "$SYS"/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
[ "$have_nodes" -ge 1 ] || have_nodes=1
have_llcs=$(for c in "$SYS"/devices/system/cpu/cpu[0-9]*; do
  for i in "$c"/cache/index[0-9]*; do
    [ "$(cat "$i/level" 2>/dev/null)" = 3 ] && cat "$i/shared_cpu_list"
  done
done | sort -u | wc -l)
[ "$have_llcs" -ge 1 ] || have_llcs=1
have_threads=$(cat "$SYS/devices/system/cpu/cpu0/topology/thread_siblings_list" 2>/dev/null | count_list)
[ -n "$have_threads" ] && [ "$have_threads" -ge 1 ] || have_threads=1
if [ "$have_nodes" != "$KTSTR_NODES" ] || [ "$have_llcs" != "$KTSTR_LLCS" ] || [ "$have_cpus" != "$KTSTR_CPUS" ] || [ "$have_threads" != "$KTSTR_THREADS" ]; then
  cannot_run "topology mismatch: this machine has $have_nodes NUMA node(s), $have_llcs LLC(s), $have_cpus online CPU(s), $have_threads thread(s) per core; the test was exported for $KTSTR_TOPOLOGY ($KTSTR_NODES node(s), $KTSTR_LLCS LLC(s), $KTSTR_CPUS CPU(s), $KTSTR_THREADS thread(s) per core). Export it for this machine with ktstr export --topology \${have_nodes}n\${have_llcs}l$((have_cpus / have_llcs / have_threads))c\${have_threads}t, or run it on a machine of that shape"
fi

# The same counts with another numbering would put the scenario's cpusets on the wrong CPUs.
expand() { awk -F, '{ o = ""; for (i = 1; i <= NF; i++) { if (split($i, r, "-") == 2) { for (c = r[1] + 0; c <= r[2] + 0; c++) o = o (o == "" ? "" : ",") c } else if ($i != "") o = o (o == "" ? "" : ",") $i } print o }'; }
sets() { expand | LC_ALL=C sort -u | tr '\n' ' '; }
have_llc_sets=$(for c in "$SYS"/devices/system/cpu/cpu[0-9]*; do
  for i in "$c"/cache/index[0-9]*; do
    [ "$(cat "$i/level" 2>/dev/null)" = 3 ] && cat "$i/shared_cpu_list"
  done
done | sets)
have_core_sets=$(cat "$SYS"/devices/system/cpu/cpu[0-9]*/topology/thread_siblings_list 2>/dev/null | sets)
have_node_sets=$(cat "$SYS"/devices/system/node/node[0-9]*/cpulist 2>/dev/null | sets)
check_sets() {
  # A machine without the sysfs files for one level (no L3 reported, no NUMA) is not judged on it.
  [ -z "$2" ] || [ "$2" = "$3" ] || cannot_run "CPU numbering differs: the $1 CPU sets here are { $2} where the test was exported for { $3} ($KTSTR_TOPOLOGY numbers CPUs LLC by LLC, SMT siblings adjacent); the scenario's CPU numbers would land elsewhere here"
}
check_sets LLC "$have_llc_sets" "$KTSTR_LLC_SETS"
check_sets core "$have_core_sets" "$KTSTR_CORE_SETS"
check_sets NUMA-node "$have_node_sets" "$KTSTR_NODE_SETS"

# sched_ext: the run is under the active scheduler, or the packaged one with --start-scheduler.
state=$(cat "$SYS/kernel/sched_ext/state" 2>/dev/null) || state=''
active=''
[ "$state" = enabled ] && active=$(cat "$SYS/kernel/sched_ext/root/ops" 2>/dev/null)
if [ -n "$KTSTR_SCHEDULER" ]; then
  [ -n "$state" ] || cannot_run "this kernel has no sched_ext ($SYS/kernel/sched_ext/state is missing; CONFIG_SCHED_CLASS_EXT), and the test is for the sched_ext scheduler $KTSTR_SCHEDULER"
  if [ "$start_scheduler" = 1 ]; then
    [ "$KTSTR_SCHEDULER_INCLUDED" = 1 ] || cannot_run "--start-scheduler: the runfile was exported with --scheduler-binary omit; export it with include, or start $KTSTR_SCHEDULER yourself and run without --start-scheduler"
    [ "$state" = disabled ] || cannot_run "--start-scheduler: sched_ext is $state here (scheduler \${active:-?} active); stop it first"
  else
    [ "$state" = enabled ] || cannot_run "the test is for the sched_ext scheduler $KTSTR_SCHEDULER, and none is active here (sched_ext state $state); start it first, or pass --start-scheduler to start the packaged one"
  fi
elif [ "$start_scheduler" = 1 ]; then
  cannot_run "--start-scheduler: this test runs under the kernel's default scheduler (EEVDF); it has no scheduler to start"
fi

dir=$(mktemp -d "\${TMPDIR:-/tmp}/ktstr-run.XXXXXX") || cannot_run "mktemp -d failed in \${TMPDIR:-/tmp}"
awk 'f { print } $0 == "${PAYLOAD_MARKER}" { f = 1 }' "$0" | base64 -d | gzip -dc | tar -xf - -C "$dir" || cannot_run "could not unpack the payload into $dir (is the file complete?)"
if [ "$start_scheduler" = 1 ]; then
  sed "s#@KTSTR_DIR@#$dir#g" "$dir/cell.conf.in" > "$dir/cell.conf"
else
  # Under the active scheduler (or EEVDF): the cell without its scheduler lines.
  grep -v -e '^scheduler ' -e '^sched_arg ' -e '^sched_timeout_ms ' -e '^sched_env ' "$dir/cell.conf.in" > "$dir/cell.conf"
fi
"$dir/ktstr-guest" --run-cell "$dir/cell.conf" > "$dir/messages.jsonl" 2> "$dir/agent.log"
rc=$?
[ -n "$messages" ] && cp "$dir/messages.jsonl" "$messages"
[ "$rc" = 0 ] || cannot_run "the agent could not run (exit $rc): $(tail -n 5 "$dir/agent.log")"
verdict=$(awk -f "$dir/evaluate.awk" "$dir/checks" "$dir/messages.jsonl")
status=$?
[ -n "$verdict" ] || cannot_run "the checks could not be evaluated: $(tail -n 3 "$dir/agent.log")"
# The verdict object, with where it ran and what it cannot judge here.
printf '{"test":"%s","topology":"%s","scheduler":%s,"hostOnly":%s,%s\\n' "$(jstr "$KTSTR_TEST")" "$KTSTR_TOPOLOGY" \\
  "$( [ -n "$active" ] && [ "$start_scheduler" = 0 ] && printf '"%s"' "$(jstr "$active")" || { [ "$start_scheduler" = 1 ] && printf '"%s"' "$(jstr "$KTSTR_SCHEDULER")" || printf null; } )" \\
  "$KTSTR_HOST_ONLY" "\${verdict#\\{}"
[ "$keep" = 1 ] && echo "{\\"dir\\":\\"$dir\\"}" >&2 || rm -rf "$dir"
exit $status
${PAYLOAD_MARKER}
`;
}
