/* SPDX-License-Identifier: GPL-2.0 */
/*
 * scx_ktstr - the fixture sched_ext scheduler of ktstr.
 *
 * Tests need a scheduler that (a) schedules correctly and predictably so that
 * a kernel under test stays usable, and (b) can be told to misbehave in
 * specific, reproducible ways so that the framework's failure detection
 * (error exits, watchdog stalls, clean exits, latency regressions) can be
 * tested against a real kernel.
 *
 * Normal scheduling is a global weighted-vtime scheduler, the same policy as
 * the kernel's scx_simple: every CPU consumes from one shared DSQ ordered by
 * virtual time, where a task's vtime advances by its runtime scaled by the
 * inverse of its weight. A waking task that finds an idle CPU is inserted
 * straight into that CPU's local DSQ. One queue is not the fastest design on
 * big machines, but it is obviously correct, starvation free and small.
 *
 * Failure knobs (read-only data written by the loader before load, so the
 * verifier prunes the code of knobs that are off):
 *
 * error_after    scx_bpf_error() on the Nth enqueue. "Enqueue" counts both
 *                ops.enqueue() calls and the direct local insertions done in
 *                ops.select_cpu(), so the count grows with scheduling
 *                activity whatever path wakeups take.
 *
 * stall_comm     Tasks whose comm equals this string are put into STALL_DSQ,
 *                which no CPU ever consumes. They stay runnable but never run
 *                again, which trips the kernel's watchdog ("runnable task
 *                stall") after ops.timeout_ms (set by the loader).
 *
 * exit_after_ms  A BPF timer armed in ops.init() calls scx_bpf_exit() after
 *                that many milliseconds: a clean, BPF-requested unregistration
 *                (kind SCX_EXIT_UNREG_BPF, "unregistered from BPF"). A timer
 *                rather than a check in ops.tick() because tick only runs
 *                while a sched_ext task is on the CPU; on an idle machine the
 *                exit would be arbitrarily late.
 *
 * dispatch_delay_us
 *                Every dispatch decision busy-waits that many microseconds
 *                (measured with bpf_ktime_get_ns()) before it takes effect:
 *                in ops.select_cpu() before a task is inserted into an idle
 *                CPU's local DSQ, and in ops.dispatch() before a task is moved
 *                from the shared DSQ to the CPU. The policy is otherwise
 *                unchanged, so a run with the knob is comparable to one
 *                without: each wakeup-to-run path gets >= D us longer per
 *                scheduling decision on it (plus queueing behind other
 *                delayed dispatches). Caveats: the spin burns CPU on the
 *                deciding CPU (the waker's in select_cpu), with the task's
 *                pi_lock or the runqueue lock held and IRQs off, so it also
 *                costs throughput; under emulation (TCG) a spinning vCPU also
 *                takes host time from the others, which amplifies the effect.
 *                The loader caps D at MAX_DISPATCH_DELAY_US.
 *
 * verifier_reject
 *                Makes ops.init() walk a map value past its end, so the
 *                verifier rejects the program and the load fails with the
 *                verifier log on stderr: the fixture for `ktstr verifier`'s
 *                report of a rejected scheduler. The walk is a loop the
 *                compiler must not unroll, so the log shows the same loop
 *                body once per iteration, as real rejections of loops do.
 *                Off (0), the verifier prunes the loop as dead code.
 *
 * Host knob (in .bss, not rodata: the verifier keeps the code it guards, and
 * the host monitor writes it into guest memory while the scheduler runs):
 *
 * host_delay_us  Like dispatch_delay_us, but read on every decision, so a
 *                write from outside the guest changes the scheduler's
 *                behaviour mid-run: delays start (nr_delayed, delayed_ns
 *                grow) and wakeup latency grows, with no reload. Values
 *                above MAX_DISPATCH_DELAY_US are capped.
 *
 * Counters kept in maps other than .bss, for the monitor's map walks: the
 * per-CPU array pcpu_stats (enqueues and dispatches by the CPU that made
 * them) and the hash wake_cpus (CPU -> direct inserts into its local DSQ).
 * The array running_task keeps, per CPU, the task last started there as a
 * u64, and arena_slot a pointer into an arena page as a u64: the fixtures of
 * the host's cast analysis (see running_task and arena_slot below).
 */
#include <scx/common.bpf.h>
#ifdef KTSTR_ARENA
#include <scx/bpf_arena_common.bpf.h>
#endif

char _license[] SEC("license") = "GPL";

/* Mirrored by the loader; keep in sync with scx_ktstr.c. */
#define SHARED_DSQ		0
#define STALL_DSQ		1
#define KTSTR_COMM_LEN		16	/* TASK_COMM_LEN */
#define MAX_DISPATCH_DELAY_US	10000

/* Knobs, set by the loader in rodata before the program is loaded. */
const volatile u64 error_after;
const volatile u64 exit_after_ms;
const volatile u64 dispatch_delay_us;
const volatile char stall_comm[KTSTR_COMM_LEN];
const volatile u32 verifier_reject;

/* Written by the host (see "Host knob" above); volatile so every use reloads it. */
volatile u64 host_delay_us;

/*
 * Counters, read by the loader through the mmapped .bss for the -v stats
 * line. Plain atomics rather than per-CPU maps: error_after needs one exact
 * global count, and a fixture scheduler does not need to scale.
 */
u64 nr_enqueued;	/* select_cpu direct inserts + ops.enqueue() calls */
u64 nr_direct;		/* of which: direct inserts into an idle CPU's local DSQ */
u64 nr_dispatched;	/* tasks moved from SHARED_DSQ to a local DSQ */
u64 nr_stalled;		/* insertions into STALL_DSQ */
u64 nr_delayed;		/* dispatch decisions delayed by dispatch_delay_us */
u64 delayed_ns;		/* total time spent in those delays */

static u64 vtime_now;

UEI_DEFINE(uei);

struct pcpu_stats {
	u64 enqueues;
	u64 dispatches;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct pcpu_stats);
} pcpu_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, u64);
} wake_cpus SEC(".maps");

/*
 * The task each CPU last started running, kept as a plain u64 the way
 * schedulers often keep pointers in maps: the BTF says "a number", only the
 * store in ops.running() says "a task_struct *". The host's cast analysis
 * proves the field from that store, and the monitor's map rendering chases it
 * into the task (pid, comm, ...). Never dereferenced here.
 */
struct cpu_running {
	u64 task;	/* struct task_struct *, as u64 */
	u64 since_ns;	/* bpf_ktime_get_ns() when it started */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, struct cpu_running);
} running_task SEC(".maps");

#ifdef KTSTR_ARENA
/*
 * An arena page allocated in ops.init(), and a map that keeps a pointer into
 * it as a plain u64, the way schedulers keep arena pointers in map values:
 * the host's cast analysis proves the field an arena pointer from the
 * allocation it was stored from, and the monitor's map rendering reads the
 * arena memory behind it. Built only with a clang that compiles arena code
 * the 7.x verifier accepts (clang-22; build-scheduler.sh defines
 * KTSTR_ARENA).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);			/* pages */
	__ulong(map_extra, 0x1ull << 44);	/* user/BPF address of the first page */
} arena SEC(".maps");

#define ARENA_NOTE_MAGIC 0x6b7473747261726eULL	/* "nrartstk" read as bytes */

struct arena_note {
	u64 magic;
	u64 init_ns;
	char tag[16];
};

struct arena_slot {
	u64 note;	/* struct arena_note __arena *, as u64 */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct arena_slot);
} arena_slot SEC(".maps");

/* ops.init(): one arena page holding a note, its address kept in arena_slot. */
static s32 arena_note_init(void)
{
	struct arena_note __arena *n;
	struct arena_slot *slot;
	u32 key = 0;

	n = bpf_arena_alloc_pages(&arena, NULL, 1, NUMA_NO_NODE, 0);
	if (!n)
		return -ENOMEM;
	n->magic = ARENA_NOTE_MAGIC;
	n->init_ns = bpf_ktime_get_ns();
	__builtin_memcpy((char __arena *)n->tag, "ktstr-arena", 12);
	slot = bpf_map_lookup_elem(&arena_slot, &key);
	if (slot)
		slot->note = (u64)n;
	return 0;
}
#endif

/* Only read by the verifier_reject walk. */
struct reject_slots {
	u64 slots[8];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct reject_slots);
} reject_probe SEC(".maps");

u64 reject_sum;

struct exit_timer {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct exit_timer);
} exit_timer SEC(".maps");

static bool is_stall_target(const struct task_struct *p)
{
	int i;

	if (!stall_comm[0])
		return false;

	for (i = 0; i < KTSTR_COMM_LEN; i++) {
		char c = stall_comm[i];

		if (c != p->comm[i])
			return false;
		if (!c)
			return true;
	}
	return true;
}

/* Count one enqueue (see error_after above) and fire the knob on the Nth. */
static void count_enqueue(void)
{
	u64 n = __sync_fetch_and_add(&nr_enqueued, 1) + 1;
	struct pcpu_stats *ps;
	u32 key = 0;

	ps = bpf_map_lookup_elem(&pcpu_stats, &key);
	if (ps)
		ps->enqueues++;

	if (error_after && n == error_after)
		scx_bpf_error("ktstr: error knob fired after %llu enqueues", n);
}

/*
 * Busy-wait @us microseconds. scx_bpf_now() cannot be used: it returns the
 * runqueue clock, which does not advance while we hold the rq. The iteration
 * bound only exists for the verifier; the loop ends on time long before.
 */
static void spin_us(u64 us)
{
	u64 start = bpf_ktime_get_ns(), ns = us * 1000, elapsed = 0;
	u32 i;

	bpf_for(i, 0, 1 << 23) {
		elapsed = bpf_ktime_get_ns() - start;
		if (elapsed >= ns)
			break;
	}
	__sync_fetch_and_add(&nr_delayed, 1);
	__sync_fetch_and_add(&delayed_ns, elapsed);
}

/* The delay of one dispatch decision: the load-time knob, else the host's. */
static u64 decision_delay_us(void)
{
	u64 us;

	if (dispatch_delay_us)
		return dispatch_delay_us;
	us = host_delay_us;
	return us > MAX_DISPATCH_DELAY_US ? MAX_DISPATCH_DELAY_US : us;
}

/* Count a direct insert into @cpu's local DSQ in wake_cpus. */
static void count_wake_cpu(s32 cpu)
{
	u32 key = cpu;
	u64 one = 1, *n;

	n = bpf_map_lookup_elem(&wake_cpus, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&wake_cpus, &key, &one, BPF_NOEXIST);
}

s32 BPF_STRUCT_OPS(ktstr_select_cpu, struct task_struct *p, s32 prev_cpu,
		   u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);

	/*
	 * Fast path: an idle CPU was found and claimed, run there right away.
	 * Stall targets must reach ops.enqueue() to be parked.
	 */
	if (is_idle && !is_stall_target(p)) {
		u64 delay = decision_delay_us();

		if (delay)
			spin_us(delay);
		count_enqueue();
		__sync_fetch_and_add(&nr_direct, 1);
		count_wake_cpu(cpu);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, SCX_SLICE_DFL, 0);
	}

	return cpu;
}

void BPF_STRUCT_OPS(ktstr_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 vtime = p->scx.dsq_vtime;

	count_enqueue();

	if (is_stall_target(p)) {
		__sync_fetch_and_add(&nr_stalled, 1);
		scx_bpf_dsq_insert(p, STALL_DSQ, SCX_SLICE_DFL, enq_flags);
		return;
	}

	/*
	 * A task that slept for long must not come back with a huge vtime
	 * credit and monopolize the CPUs: cap its lag to one slice.
	 */
	if (time_before(vtime, vtime_now - SCX_SLICE_DFL))
		vtime = vtime_now - SCX_SLICE_DFL;

	scx_bpf_dsq_insert_vtime(p, SHARED_DSQ, SCX_SLICE_DFL, vtime, enq_flags);
}

void BPF_STRUCT_OPS(ktstr_dispatch, s32 cpu, struct task_struct *prev)
{
	u64 delay = decision_delay_us();

	/* STALL_DSQ is deliberately never consumed. */
	if (delay) {
		/* Only delay real work, not every trip through the idle loop. */
		if (scx_bpf_dsq_nr_queued(SHARED_DSQ) <= 0)
			return;
		spin_us(delay);
	}

	if (scx_bpf_dsq_move_to_local(SHARED_DSQ, 0)) {
		struct pcpu_stats *ps;
		u32 key = 0;

		__sync_fetch_and_add(&nr_dispatched, 1);
		ps = bpf_map_lookup_elem(&pcpu_stats, &key);
		if (ps)
			ps->dispatches++;
	}
}

void BPF_STRUCT_OPS(ktstr_running, struct task_struct *p)
{
	/*
	 * The global vtime follows the task that starts running. The
	 * read-compare-write is racy across CPUs; a lost update only makes
	 * vtime_now lag a little, which the next task corrects.
	 */
	u32 cpu = bpf_get_smp_processor_id();
	struct cpu_running *r;

	if (time_before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;

	r = bpf_map_lookup_elem(&running_task, &cpu);
	if (r) {
		r->task = (u64)p;
		r->since_ns = bpf_ktime_get_ns();
	}
}

void BPF_STRUCT_OPS(ktstr_stopping, struct task_struct *p, bool runnable)
{
	/*
	 * Charge the used part of the slice, scaled by the inverse weight. A
	 * yield zeroes the slice and is charged as a full slice, which is fine
	 * for a test scheduler.
	 */
	u64 used = SCX_SLICE_DFL - p->scx.slice;

	scx_bpf_task_set_dsq_vtime(p, p->scx.dsq_vtime +
				   scale_by_task_weight_inverse(p, used));
}

void BPF_STRUCT_OPS(ktstr_enable, struct task_struct *p)
{
	scx_bpf_task_set_dsq_vtime(p, vtime_now);
}

static int exit_timer_fn(void *map, int *key, struct bpf_timer *timer)
{
	scx_bpf_exit(0, "ktstr: exit knob fired after %llu ms", exit_after_ms);
	return 0;
}

/*
 * The verifier_reject walk: reads slot i of reject_probe's value for i up to
 * verifier_reject, past the 8 slots there are. Addressed through a byte
 * pointer, so the compiler has no array bound to reason from and keeps every
 * iteration for the verifier to reject.
 */
static void reject_walk(void)
{
	struct reject_slots *v;
	u8 *base;
	u32 key = 0, i;
	u64 sum = 0;

	v = bpf_map_lookup_elem(&reject_probe, &key);
	if (!v)
		return;
	base = (u8 *)v;
#pragma clang loop unroll(disable)
	for (i = 0; i < verifier_reject; i++)
		sum += *(u64 *)(base + i * sizeof(u64));
	reject_sum = sum;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(ktstr_init)
{
	struct exit_timer *et;
	u32 key = 0;
	s32 ret;

	if (verifier_reject)
		reject_walk();

	ret = scx_bpf_create_dsq(SHARED_DSQ, -1);
	if (ret) {
		scx_bpf_error("failed to create shared DSQ (%d)", ret);
		return ret;
	}

	ret = scx_bpf_create_dsq(STALL_DSQ, -1);
	if (ret) {
		scx_bpf_error("failed to create stall DSQ (%d)", ret);
		return ret;
	}

#ifdef KTSTR_ARENA
	ret = arena_note_init();
	if (ret) {
		scx_bpf_error("failed to allocate the arena note (%d)", ret);
		return ret;
	}
#endif

	if (exit_after_ms) {
		et = bpf_map_lookup_elem(&exit_timer, &key);
		if (!et)
			return -ESRCH;
		bpf_timer_init(&et->timer, &exit_timer, CLOCK_MONOTONIC);
		bpf_timer_set_callback(&et->timer, exit_timer_fn);
		ret = bpf_timer_start(&et->timer, exit_after_ms * 1000000, 0);
		if (ret) {
			scx_bpf_error("failed to start exit timer (%d)", ret);
			return ret;
		}
	}

	return 0;
}

/* Appended to the kernel's debug dump on error exits. */
void BPF_STRUCT_OPS(ktstr_dump, struct scx_dump_ctx *dctx)
{
	scx_bpf_dump("ktstr: enqueues=%llu direct=%llu dispatches=%llu stalled=%llu delays=%llu delay_us=%llu\n",
		     nr_enqueued, nr_direct, nr_dispatched, nr_stalled,
		     nr_delayed, delayed_ns / 1000);
	scx_bpf_dump("ktstr: shared_dsq=%d stall_dsq=%d\n",
		     scx_bpf_dsq_nr_queued(SHARED_DSQ),
		     scx_bpf_dsq_nr_queued(STALL_DSQ));
}

void BPF_STRUCT_OPS(ktstr_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(ktstr_ops,
	       .select_cpu		= (void *)ktstr_select_cpu,
	       .enqueue			= (void *)ktstr_enqueue,
	       .dispatch		= (void *)ktstr_dispatch,
	       .running			= (void *)ktstr_running,
	       .stopping		= (void *)ktstr_stopping,
	       .enable			= (void *)ktstr_enable,
	       .init			= (void *)ktstr_init,
	       .dump			= (void *)ktstr_dump,
	       .exit			= (void *)ktstr_exit,
	       .name			= "ktstr");
