/* scxx_state.bpf.h: the state every part of scxx.bpf.c shares. The
 * configuration user space sets in .rodata before load, the statistics and
 * per-CPU globals in .bss that it reads, the maps (the "queued" and
 * "dispatched" rings, task storage, strategy boosts, the heartbeat timer),
 * struct task_ctx and the small lookups and predicates built directly on
 * them. These are definitions, not declarations: scxx.bpf.c is the one
 * compilation unit of the skeleton scxx_sched and includes this header
 * first and only once, and what is defined here is what the skeleton
 * exposes as its rodata, bss and maps (the .bss fields in the order defined
 * here; only the two channel self-test fields of channel_test.bpf.h follow). */
#pragma once

#include "common.bpf.h"

#define PF_KTHREAD 0x00200000
#define PF_EXITING 0x00000004
#define NSEC_PER_MSEC 1000000ULL

/* ---- configuration, set by user space before load ----------------------
 * No defaults here: BpfScheduler sets every value from SchedulerOptions
 * (src/core/scheduler_options.h), where the defaults are written once.
 * What may change while scxx runs is in "tunables" (.bss) below. */
const volatile s32 usersched_tgid;
const volatile u64 heartbeat_ns;
const volatile s32 cpu_core_id[SCXX_MAX_CPUS]; /* SMT siblings share a core id */
const volatile s32 cpu_llc_id[SCXX_MAX_CPUS];  /* CPUs sharing a last-level cache */
const volatile bool kernel_mode;
/* With stall_abort a wait longer than tunables.stall_bound_ns stops the
 * scheduler with a message that names the task and where it waited. */
const volatile bool stall_abort;
/* How the agent waits for work: false, it blocks on the "queued" ring and a
 * forced notification wakes it (agent_sleeping); true, it yields its CPU
 * and BPF runs it again when tasks are queued (agent_wakeup.bpf.h). */
const volatile bool agent_yield;
/* Nanoseconds per USER_HZ clock tick, the unit of start times in /proc and
 * in struct scxx_task_boost. */
const volatile u64 clock_tick_ns;

/* The settings the agent changes while attached (struct scxx_tunables in
 * bpf/intf.h; `scxx run`'s control plane writes them through the mmap'ed
 * .bss). Each field is read where it is used, so a change applies from the
 * next callback on; a reader may see some fields old and others new for a
 * moment, which no rule here depends on. */
struct scxx_tunables tunables;

/* ---- statistics (bpf/intf.h, SCXX_STATS) ------------------------------- */
/* Values BPF reads back or the agent writes: one global each. */
struct scxx_shared_stats shared_stats;

/* Counters bumped on the hot path: one copy per CPU, no atomics and no
 * cache line bouncing between CPUs; user space sums them. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct scxx_cpu_stats);
} cpu_stats SEC(".maps");

static __always_inline struct scxx_cpu_stats *this_cpu_stats(void)
{
	u32 zero = 0;

	return bpf_map_lookup_elem(&cpu_stats, &zero);
}

/* Adds @v to this CPU's copy of counter @field of struct scxx_cpu_stats.
 * Plain adds: callbacks on one CPU do not run concurrently with each other
 * for the same counter often enough to matter for statistics. */
#define stat_add(field, v)                                                  \
	do {                                                                \
		struct scxx_cpu_stats *__s = this_cpu_stats();              \
		if (__s)                                                    \
			__s->field += (v);                                  \
	} while (0)
#define stat_inc(field) stat_add(field, 1)

u64 usersched_last_run_at;  /* ns, last time an agent thread started running */
u64 agent_sleeping;         /* written by the agent: 1 while blocked on the ring */
s32 agent_loop_pid;         /* written by the agent: the thread that runs its loop */
/* agent_yield only (agent_wakeup.bpf.h). */
u32 agent_idle;             /* written by the agent: 1 while it yields with nothing to do */
u32 agent_needed;           /* work for the agent: set by BPF, cleared by the agent */
u32 agent_parked;           /* BPF holds the yielded loop thread in no DSQ */
u64 agent_loop_ran_at;      /* ns, last time the loop thread started running */
u64 agent_called_at;        /* ns, work was queued for an idle agent (0: none since it ran) */
u64 agent_steps;            /* written by the agent: loop iterations so far */
u32 agent_stalled;          /* BPF places every task itself (agent_fallback.bpf.h) */
u64 last_user_key;          /* user mode: key of the latest decision carried out */
struct scxx_wait_record last_long_wait; /* the most recent of them */

/* Strategy priority of the task running on each CPU (urgent preemption
 * does not preempt an equal or higher one). */
u32 running_priority[SCXX_MAX_CPUS];
/* DSQ key (deadline) of the task running on each CPU, for wakeup preemption. */
u64 running_key[SCXX_MAX_CPUS];
/* When the slice of the task running on each CPU ends: a slice runs out
 * only at a tick, so a task may run up to a tick past it (wakeup
 * preemption does not wait for that). */
u64 running_slice_end[SCXX_MAX_CPUS];
/* Kernel mode: virtual time of the most recently started task. */
static u64 vtime_now;

struct scxx_exit_info exit_info;

/* ---- maps ----------------------------------------------------------------- */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SCXX_QUEUED_RING_BYTES);
} queued SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, SCXX_DISPATCHED_RING_BYTES);
} dispatched SEC(".maps");

struct task_ctx {
	u64 start_ts;    /* last ops.running */
	u64 stop_ts;     /* last ops.stopping */
	u64 exec_runtime;
	u64 enq_cnt;
	u64 slice_start; /* start of the current slice, refills included (watchdog) */
	u64 vtime;       /* kernel mode: virtual time (the DSQ key is the deadline) */
	u64 dsq_key;     /* key it was last inserted with (deadline) */
	u64 wait_since;  /* when it last became runnable without running */
	u64 wait_dsq;    /* where it waits: DSQ id, SCXX_WAIT_LOCAL_FLAG|cpu, or in agent */
	u64 decided_at;  /* when the agent's decision for this wait was carried out */
	s32 wait_cpu;    /* CPU it was on when it started to wait */
	bool woke;       /* its last enqueue was a wakeup */
	bool stall_seen; /* this wait was already reported by the DSQ scan */
	bool sync_wake;  /* agent_yield: woken by a waker about to sleep */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ctx);
} task_ctx_stor SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCXX_MAX_BOOSTED_TASKS);
	__type(key, s32);
	__type(value, struct scxx_task_boost);
} task_boosts SEC(".maps");

/* Boosts of whole processes and cgroups (bpf/intf.h), looked up when a
 * thread has no task_boosts entry; the agent keeps the counts of entries
 * below, so threads pay for a lookup only while some exist. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCXX_MAX_BOOSTED_GROUPS);
	__type(key, s32);
	__type(value, struct scxx_task_boost);
} process_boosts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCXX_MAX_BOOSTED_GROUPS);
	__type(key, u64);
	__type(value, struct scxx_task_boost);
} cgroup_boosts SEC(".maps");

u32 nr_process_boosts; /* written by the agent: entries in process_boosts */
u32 nr_cgroup_boosts;  /* written by the agent: entries in cgroup_boosts */

/* Waits from runnable to running, one histogram per CPU (liveness.bpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SCXX_WAIT_PHASES);
	__type(key, u32);
	__type(value, struct scxx_wait_hist);
} wait_hist SEC(".maps");

/* Tasks the agent owes a decision: pid -> the enqueue generation it was sent
 * with. Lets BPF take them back when the agent stalls. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCXX_MAX_CUSTODY);
	__type(key, s32);
	__type(value, u64);
} custody SEC(".maps");

struct heartbeat {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct heartbeat);
} heartbeat_timer SEC(".maps");

/* ---- helpers ---------------------------------------------------------------- */
static __always_inline struct task_ctx *lookup_task_ctx(struct task_struct *p)
{
	return bpf_task_storage_get(&task_ctx_stor, p, 0, 0);
}

static __always_inline bool is_agent(const struct task_struct *p)
{
	return usersched_tgid != 0 && p->tgid == usersched_tgid;
}

static __always_inline bool comm_has_prefix(const char *comm, const char *prefix, int len)
{
	for (int i = 0; i < len && i < 16; i++)
		if (comm[i] != prefix[i])
			return false;
	return true;
}

/* Kernel threads that must never wait for the agent. */
static bool is_kernel_helper(const struct task_struct *p)
{
	char comm[16];

	if (!(p->flags & PF_KTHREAD))
		return false;
	if (p->nr_cpus_allowed == 1)
		return true;
	if (bpf_probe_read_kernel_str(comm, sizeof(comm), p->comm) < 0)
		return false;
	return comm_has_prefix(comm, "kswapd", 6) || comm_has_prefix(comm, "kcompactd", 9) ||
	       comm_has_prefix(comm, "khugepaged", 10);
}

/* Decisions submitted by the agent but not yet read by any CPU. */
static __always_inline bool dispatches_pending(void)
{
	return (s64)(READ_ONCE(shared_stats.nr_dispatch_submitted) -
		    READ_ONCE(shared_stats.nr_dispatch_consumed)) > 0;
}

static __always_inline bool agent_has_work(void)
{
	return READ_ONCE(shared_stats.nr_scheduled) != 0 || dispatches_pending() ||
	       bpf_ringbuf_query(&queued, BPF_RB_AVAIL_DATA) > 0;
}

/* The fast path may place a task only when no other task waits for a
 * decision or in the shared DSQ: an idle CPU is theirs first. */
static __always_inline bool agent_holds_nothing(void)
{
	return READ_ONCE(shared_stats.nr_scheduled) == 0 && !dispatches_pending() &&
	       bpf_ringbuf_query(&queued, BPF_RB_AVAIL_DATA) == 0 &&
	       scx_bpf_dsq_nr_queued(SCXX_SHARED_DSQ) == 0;
}

/* The waker commits to sleeping soon (and is not exiting). */
/* The cost of one agent wake-up, measured from the first message for an
 * idle agent (asleep on the ring, or parked) until its loop thread runs or
 * is kept running by ops.dispatch: agent_wake_ns / nr_agent_wakes. One
 * clock read per wake-up, none per message. */
static __always_inline void agent_called(void)
{
	if (!READ_ONCE(agent_called_at))
		WRITE_ONCE(agent_called_at, bpf_ktime_get_ns());
}

static __always_inline void agent_answered(u64 now)
{
	u64 at = READ_ONCE(agent_called_at);

	if (!at)
		return;
	WRITE_ONCE(agent_called_at, 0);
	if (now > at) {
		stat_inc(nr_agent_wakes);
		stat_add(agent_wake_ns, now - at);
	}
}

static __always_inline bool is_wake_sync(u64 wake_flags)
{
	const struct task_struct *current = (void *)bpf_get_current_task_btf();

	return (wake_flags & SCX_WAKE_SYNC) && !(current->flags & PF_EXITING);
}

/* The CPU whose local DSQ @p may go to, @cpu if possible: a task that
 * cannot migrate stays where it is, one whose affinity excludes @cpu goes
 * to a CPU it allows. Negative when its affinity is changing under us. */
static s32 local_target(struct task_struct *p, s32 cpu)
{
	if (is_migration_disabled(p))
		return scx_bpf_task_cpu(p);
	if (cpu >= 0 && bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
		return cpu;
	return scx_bpf_pick_any_cpu(p->cpus_ptr, 0);
}

/* Kick an idle CPU the task may use, else @fallback with @flags. Returns
 * whether an idle CPU was found. */
static bool kick_for(struct task_struct *p, s32 fallback, u64 flags)
{
	s32 cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);

	if (cpu >= 0) {
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
		return true;
	}
	if (fallback >= 0)
		scx_bpf_kick_cpu(fallback, flags);
	return false;
}

/* The boost of the thread's process or cgroup (bpf/intf.h), for a thread
 * the agent's scan has not seen yet: a process entry applies only while the
 * process's leader is the one that started at its start_ticks. */
static const struct scxx_task_boost *lookup_group_boost(const struct task_struct *p, bool count)
{
	const struct scxx_task_boost *proc = NULL, *cg = NULL;

	if (READ_ONCE(nr_process_boosts)) {
		s32 tgid = p->tgid;
		u64 leader_start = BPF_CORE_READ(p, group_leader, start_boottime);

		proc = bpf_map_lookup_elem(&process_boosts, &tgid);
		if (proc && leader_start / clock_tick_ns != proc->start_ticks)
			proc = NULL;
	}
	if (READ_ONCE(nr_cgroup_boosts)) {
		u64 cgid = BPF_CORE_READ(p, cgroups, dfl_cgrp, kn, id);

		cg = bpf_map_lookup_elem(&cgroup_boosts, &cgid);
	}
	/* Branches, not (proc || cg): the verifier refuses arithmetic on
	 * pointers that may be NULL, which that becomes. */
	if (cg && (!proc || cg->priority > proc->priority))
		proc = cg;
	if (proc && count)
		stat_inc(nr_group_boosts);
	return proc;
}

/* The boost the agent wrote for this very thread. An entry written for an
 * earlier thread with the same pid (it exited, the pid was reused before the
 * agent's next scan) has another start time and is ignored. /proc rounds
 * start_boottime down to ticks the same way (nsec_to_clock_t). */
static __always_inline const struct scxx_task_boost *
lookup_boost_counted(const struct task_struct *p, bool count)
{
	s32 pid = p->pid;
	const struct scxx_task_boost *b = bpf_map_lookup_elem(&task_boosts, &pid);

	if (b)
		return p->start_boottime / clock_tick_ns == b->start_ticks ? b : NULL;
	return lookup_group_boost(p, count);
}

static __always_inline const struct scxx_task_boost *lookup_boost(const struct task_struct *p)
{
	return lookup_boost_counted(p, false);
}

/* Share of its run time a task is charged: 100 - 5 * priority for 1..10. */
static __always_inline u64 charge_pct(u32 priority)
{
	return 100 - 5 * (priority > SCXX_PRIO_CUT_MAX ? SCXX_PRIO_CUT_MAX : priority);
}

/* The task's weight raised by its strategy priority (x1.05 .. x2), as in
 * src/policy/policy_util.h: a boost acts on virtual time and slice alike. */
static __always_inline u64 boosted_weight(const struct task_struct *p,
					  const struct scxx_task_boost *b)
{
	u64 weight = p->scx.weight ? p->scx.weight : 100;

	return weight * 100 / charge_pct(b ? b->priority : 0);
}
