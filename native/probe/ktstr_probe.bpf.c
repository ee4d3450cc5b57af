/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktstr-probe - the BPF side of auto-repro's probe loader.
 *
 * When a scheduler crashes, the host reads the call chain of the kernel's
 * exit dump and reruns the cell with this object watching the functions on
 * it. Each watched function is a "site" (an index the loader assigns):
 *
 * - a kernel function, through one kprobe program attached once per site,
 *   the site's index riding along as the attach cookie;
 * - a struct_ops callback of the scheduler (ktstr_select_cpu, ...), through
 *   fentry on the scheduler's own BPF program: one program slot per callback
 *   (OPS_SLOTS), the slot's site in ops_site[]. A struct_ops program's only
 *   BTF argument is its context, the array of the callback's arguments, so
 *   the arguments are read from there.
 *
 * Every call records, in a small ring per (site, CPU), the time, the CPU,
 * the current task, the first six arguments and up to MAX_READS 16-byte
 * reads at (argument + offset): the host picks the offsets from the
 * kernel's BTF (a task_struct's pid and comm, ...) and decodes the bytes.
 *
 * The trigger is the scheduler's exit: fentry on scx_vexit(), where the
 * kernel claims an error exit and saves the backtrace (7.2 has no
 * sched_ext_exit tracepoint; scx_vexit is the point it would mark), and the
 * tracepoint sched_ext_dump as a second way in. The first one to fire stamps
 * fired_ns and recording stops, so the rings hold the calls that led to the
 * exit; the loader sees fired_ns through the mmapped .bss and prints them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

/* Mirrored by the loader (ktstr_probe.c) and the host (core/src/repro/probe-args.ts). */
#define MAX_SITES	16
#define MAX_CPUS	64
#define RING_LEN	8	/* power of two */
#define MAX_ARGS	6
#define MAX_READS	4
#define READ_BYTES	16
#define OPS_SLOTS	4

struct site_cfg {
	u32 nargs;
	u32 nreads;
	struct {
		u32 arg;
		u32 off;
	} reads[MAX_READS];
};

struct event {
	u64 ts;
	u32 site;
	u32 cpu;
	u32 pid;
	u32 ok;			/* bit i: reads[i] succeeded */
	char comm[16];
	u64 args[MAX_ARGS];
	u8 reads[MAX_READS][READ_BYTES];
};

struct ring {
	u64 head;
	struct event ev[RING_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SITES);
	__type(key, u32);
	__type(value, struct site_cfg);
} sites SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SITES * MAX_CPUS);
	__type(key, u32);
	__type(value, struct ring);
} rings SEC(".maps");

/* Written by the loader through the mmapped .bss. */
__u32 ops_site[OPS_SLOTS];

/* Set by the first trigger; read by the loader. */
/* __u64 and friends, not u64: the loader's skeleton header sees these types. */
volatile __u64 fired_ns;
volatile __u32 fired_cpu;
volatile __s32 fired_kind;
volatile __u32 fired_by;		/* 1: scx_vexit, 2: sched_ext_dump */

static __always_inline void record(u32 site, u64 *args)
{
	u32 cpu = bpf_get_smp_processor_id();
	struct site_cfg *cfg;
	struct event *ev;
	struct ring *r;
	u32 key, i;

	if (fired_ns || site >= MAX_SITES || cpu >= MAX_CPUS)
		return;
	key = site * MAX_CPUS + cpu;
	r = bpf_map_lookup_elem(&rings, &key);
	cfg = bpf_map_lookup_elem(&sites, &site);
	if (!r || !cfg)
		return;
	ev = &r->ev[r->head & (RING_LEN - 1)];
	r->head++;
	ev->ts = bpf_ktime_get_ns();
	ev->site = site;
	ev->cpu = cpu;
	ev->pid = (u32)bpf_get_current_pid_tgid();
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	ev->ok = 0;
#pragma unroll
	for (i = 0; i < MAX_ARGS; i++)
		ev->args[i] = i < cfg->nargs ? args[i] : 0;
#pragma unroll
	for (i = 0; i < MAX_READS; i++) {
		u32 a = cfg->reads[i].arg;
		u64 base;

		__builtin_memset(ev->reads[i], 0, READ_BYTES);
		if (i >= cfg->nreads || a >= MAX_ARGS)
			continue;
		base = args[a];
		if (!base)
			continue;
		if (!bpf_probe_read_kernel(ev->reads[i], READ_BYTES, (void *)(base + cfg->reads[i].off)))
			ev->ok |= 1u << i;
	}
}

SEC("kprobe")
int on_kprobe(struct pt_regs *ctx)
{
	u64 args[MAX_ARGS] = {
		PT_REGS_PARM1(ctx), PT_REGS_PARM2(ctx), PT_REGS_PARM3(ctx),
		PT_REGS_PARM4(ctx), PT_REGS_PARM5(ctx), PT_REGS_PARM6(ctx),
	};

	record((u32)bpf_get_attach_cookie(ctx), args);
	return 0;
}

/* A struct_ops program's context is the array of its callback's arguments. */
static __always_inline void record_ops(u32 slot, u64 *ctx)
{
	u64 args[MAX_ARGS] = {};
	u64 *callback_args = (u64 *)ctx[0];
	u32 site = ops_site[slot & (OPS_SLOTS - 1)];
	struct site_cfg *cfg = bpf_map_lookup_elem(&sites, &site);
	u32 i;

	if (!cfg)
		return;
#pragma unroll
	for (i = 0; i < MAX_ARGS; i++)
		if (i < cfg->nargs)
			bpf_probe_read_kernel(&args[i], sizeof(u64), &callback_args[i]);
	record(site, args);
}

SEC("fentry")
int ops0(u64 *ctx) { record_ops(0, ctx); return 0; }
SEC("fentry")
int ops1(u64 *ctx) { record_ops(1, ctx); return 0; }
SEC("fentry")
int ops2(u64 *ctx) { record_ops(2, ctx); return 0; }
SEC("fentry")
int ops3(u64 *ctx) { record_ops(3, ctx); return 0; }

static __always_inline void fire(u32 by, s32 kind)
{
	if (fired_ns)
		return;
	fired_cpu = bpf_get_smp_processor_id();
	fired_kind = kind;
	fired_by = by;
	fired_ns = bpf_ktime_get_ns();
}

SEC("fentry/scx_vexit")
int BPF_PROG(on_scx_vexit, struct scx_sched *sch, enum scx_exit_kind kind)
{
	fire(1, kind);
	return 0;
}

SEC("tp_btf/sched_ext_dump")
int BPF_PROG(on_sched_ext_dump, const char *line)
{
	fire(2, -1);
	return 0;
}
