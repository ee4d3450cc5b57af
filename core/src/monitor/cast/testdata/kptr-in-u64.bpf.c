// SPDX-License-Identifier: GPL-2.0
/*
 * A scheduler-shaped BPF object for the cast analysis test (compiled.test.ts): a map value keeps
 * a task_struct * in a u64, stored in one program and released in another, next to a counter,
 * a timestamp and a global counter, none of which is a pointer. Only tctx.task may become a cast.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
void bpf_task_release(struct task_struct *p) __ksym;

struct tctx {
	u64 task;	/* a struct task_struct *, hidden from BTF */
	u64 cnt;
	u64 stamp;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, struct tctx);
} tctxs SEC(".maps");

u64 counter;

SEC("tp_btf/sched_wakeup")
int BPF_PROG(store, struct task_struct *p)
{
	u32 key = 0;
	struct tctx *v = bpf_map_lookup_elem(&tctxs, &key);
	struct task_struct *t = bpf_task_from_pid(p->pid);

	if (!v || !t) {
		if (t)
			bpf_task_release(t);
		return 0;
	}
	v->task = (u64)t;
	v->cnt++;
	v->stamp = bpf_ktime_get_ns();
	__sync_fetch_and_add(&counter, 1);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(load, bool preempt, struct task_struct *prev)
{
	u32 key = 0;
	struct tctx *v = bpf_map_lookup_elem(&tctxs, &key);

	if (!v)
		return 0;
	bpf_task_release((struct task_struct *)v->task);
	return 0;
}

char _license[] SEC("license") = "GPL";
