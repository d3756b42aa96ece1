/* scxx: the BPF half of a sched_ext scheduler whose policy runs in user space.
 *
 * Protocol between the kernel and the agent
 * -----------------------------------------
 *
 *   task wakes / slice ends
 *        |
 *        v
 *   ops.enqueue --(ringbuf "queued": struct scxx_queued_task)--> agent
 *                                                                 | Policy
 *   CPU runs <- per-CPU / shared DSQ <- ops.dispatch <------------+
 *               (user ringbuf "dispatched": struct scxx_dispatched_task)
 *
 * 1. ops.enqueue sends every runnable task to the agent as one queued-task
 *    message, except:
 *    - the agent's own threads (whole thread group, p->tgid == agent tgid):
 *      they go to SCXX_AGENT_DSQ, which every CPU serves first, so no agent
 *      thread ever waits for the agent;
 *    - per-CPU kthreads and kswapd/kcompactd/khugepaged: straight to their
 *      CPU's local DSQ. The agent's page faults are resolved by kthreads; if
 *      those waited for the agent, the machine would stall until the
 *      watchdog removed the scheduler;
 *    - when the ring is full: SCXX_SHARED_DSQ (nr_sched_congested).
 *    Each message carries the task's enqueue generation (enq_cnt).
 * 2. The agent drains "queued", lets its Policy decide, and writes one
 *    dispatched-task message per decision into "dispatched": target CPU (or
 *    SCXX_CPU_ANY), slice, vtime, flags and the enq_cnt it saw.
 * 3. ops.dispatch serves SCXX_AGENT_DSQ first, then drains "dispatched"
 *    while dispatch slots remain, inserting each task by vtime into its
 *    CPU's DSQ (or the shared DSQ for "any"), then moves one task from its
 *    own DSQ or the shared DSQ to the local DSQ. A decision whose enq_cnt is
 *    older than the task's current one is stale (the task was enqueued
 *    again since): it is dropped or cancelled (nr_cancel_dispatches). A
 *    target CPU outside the task's affinity goes to the shared DSQ
 *    (nr_bounce_dispatches). A malformed message or unknown pid counts as
 *    nr_failed_dispatches.
 * 4. The agent can ask for an idle CPU with the SYSCALL program
 *    scxx_select_cpu (BPF_PROG_TEST_RUN; ctx_in AND ctx_size_in must be
 *    set): previous CPU, then an SMT sibling, then the same LLC, then any
 *    idle CPU; the chosen CPU is kicked.
 * 5. Liveness: the agent publishes how many tasks it holds (nr_scheduled)
 *    and how many decisions it submitted (nr_dispatch_submitted). A
 *    heartbeat timer wakes a sleeping agent (a heartbeat message with a
 *    forced wake-up) when work is pending and the agent has not run for a
 *    heartbeat period; ops.update_idle kicks a CPU going idle while
 *    submitted decisions wait to be drained; ops.tick ends the slice of a
 *    task that keeps a CPU while the agent is overdue.
 * 6. ops.exit copies the exit record into exit_info for user space; an
 *    exit code with SCX_ECODE_ACT_RESTART (CPU hotplug) makes the agent
 *    reload the scheduler.
 * 7. Priority strategies (bpf/intf.h) reach BPF through the task_boosts map
 *    (pid -> priority, slice), written by the agent. Urgent priorities
 *    (11..20) are placed here in both modes: straight onto a CPU's local
 *    DSQ, at its head or preempting. Priorities 1..10 slow the task's
 *    virtual time; the queued message carries them to the Policy.
 * 8. Kernel mode (kernel_mode = true): no message goes to the agent. Tasks
 *    are ordered here by deadline = vtime + min(exec_runtime, slice) on the
 *    shared DSQ, the same deadline idea as the gthulhu policy.
 * 9. ops.tick preempts a task that has run longer than max_run_ns.
 * 10. Wakeup preemption: a task that woke up, found no idle CPU and whose
 *    DSQ key (deadline) is earlier by more than wakeup_margin_ns than that
 *    of the task running on its CPU preempts it, in both modes (fifo
 *    decisions all carry key 0: never).
 * 11. The agent sets agent_sleeping before it blocks on the ring; the first
 *    enqueue after that clears it and wakes the agent (forced ring
 *    notification), every other message goes without one: a notification
 *    costs an irq_work, wasted while the agent is awake anyway.
 * 12. Liveness: every wait from runnable to running is measured; the
 *    heartbeat walks scxx's DSQs, moves a task that waited past
 *    starvation_ns onto a CPU's local DSQ and records any wait past
 *    stall_bound_ns (struct scxx_wait_record). See "Bounded waits" in
 *    docs/ARCHITECTURE.md for why keys stay near the clock.
 */
#include "common.bpf.h"

char _license[] SEC("license") = "GPL";

#define PF_KTHREAD 0x00200000
#define MAX_CPUS 1024
#define NSEC_PER_MSEC 1000000ULL

/* ---- configuration, set by user space before load ---------------------- */
const volatile s32 usersched_tgid;
const volatile u64 slice_ns = SCX_SLICE_DFL;
const volatile bool builtin_idle;
const volatile u64 heartbeat_ns = 100 * NSEC_PER_MSEC;
const volatile s32 cpu_core_id[MAX_CPUS]; /* SMT siblings share a core id */
const volatile s32 cpu_llc_id[MAX_CPUS];  /* CPUs sharing a last-level cache */
const volatile bool kernel_mode;
const volatile u64 slice_min_ns = NSEC_PER_MSEC;   /* kernel mode: shortest slice */
const volatile u64 max_run_ns = 500 * NSEC_PER_MSEC; /* tick watchdog, 0 = off */
/* Wakeup preemption needs the waker's key to be earlier by more than this
 * (user space sets one minimum slice). Peers with similar deadlines
 * (hackbench) then do not preempt each other all the time, while a task
 * that ran little since waking still preempts a CPU hog, whose deadline
 * carries a slice of lead and whose virtual time is ahead of the clock. */
const volatile u64 wakeup_margin_ns = NSEC_PER_MSEC;
/* Liveness invariant: a runnable task waiting longer than this is counted
 * and recorded (struct scxx_wait_record); with stall_abort it also stops
 * the scheduler with a message that names the task and where it waited. */
const volatile u64 stall_bound_ns = 1000 * NSEC_PER_MSEC;
const volatile bool stall_abort;
/* The guarantee behind the keys: a task that has waited longer than this in
 * one of scxx's DSQs is moved to a CPU's local DSQ by the heartbeat scan and
 * that CPU is preempted (0: off). */
const volatile u64 starvation_ns = 250 * NSEC_PER_MSEC;

/* ---- statistics (.bss, read by user space) ------------------------------ */
u64 nr_queued;             /* tasks sent to the agent */
u64 nr_scheduled;          /* written by the agent: tasks it holds */
u64 nr_running;            /* tasks running right now */
u64 nr_online_cpus;        /* written by the agent at start */
u64 nr_user_dispatches;    /* decisions of the agent carried out */
u64 nr_kernel_dispatches;  /* tasks placed by BPF without the agent */
u64 nr_cancel_dispatches;  /* stale decisions dropped or cancelled */
u64 nr_bounce_dispatches;  /* target CPU not allowed: sent to shared DSQ */
u64 nr_failed_dispatches;  /* malformed decision or unknown pid */
u64 nr_sched_congested;    /* ring full: task sent to shared DSQ */
u64 nr_heartbeat_wakeups;  /* agent woken by the heartbeat timer */
u64 nr_exit_notifications; /* task-exited messages sent */
u64 usersched_last_run_at; /* ns, last time an agent thread started running */
u64 nr_dispatch_submitted; /* written by the agent: decisions submitted */
u64 nr_dispatch_consumed;  /* decisions read from the ring (any outcome) */
u64 nr_priority_dispatches; /* urgent strategy tasks placed by BPF */
u64 nr_watchdog_preemptions; /* tasks preempted for running > max_run_ns */
u64 nr_idle_kicks;          /* CPUs kicked on going idle to drain decisions */
u64 nr_wakeup_preemptions;  /* running tasks preempted by an earlier waking one */
u64 nr_tick_drains;         /* slices ended at a tick because decisions waited */
u64 agent_sleeping;         /* written by the agent: 1 while blocked on the ring */
u64 nr_long_waits;          /* tasks that waited longer than stall_bound_ns to run */
u64 nr_stalled_seen;        /* of those, seen still waiting by the periodic DSQ scan */
u64 max_wait_ns;            /* longest wait of any task from runnable to running */
u64 nr_starvation_moves;    /* tasks moved ahead after waiting past starvation_ns */
u64 last_user_key;          /* user mode: key of the latest decision carried out */
struct scxx_wait_record last_long_wait; /* the most recent of them */

/* Strategy priority of the task running on each CPU (urgent preemption
 * does not preempt an equal or higher one). */
u32 running_priority[MAX_CPUS];
/* DSQ key (deadline) of the task running on each CPU, for wakeup preemption. */
u64 running_key[MAX_CPUS];
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
	s32 wait_cpu;    /* CPU it was on when it started to wait */
	bool woke;       /* its last enqueue was a wakeup */
	bool stall_seen; /* this wait was already reported by the DSQ scan */
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

/* ---- liveness: how long runnable tasks wait ------------------------------ */
static __always_inline u64 local_dsq_of(s32 cpu)
{
	return SCXX_WAIT_LOCAL_FLAG | (u64)(u32)cpu;
}

/* The task starts to wait: it became runnable (woke), or it stopped while
 * still runnable. The place is set where the task is inserted; ops.select_cpu
 * may already have done that for a wake-up (it runs before ops.runnable), and
 * a task the kernel puts back on its CPU's local DSQ (preempted by a higher
 * class) gets no insert at all: hence the default after a stop. */
static __always_inline void start_wait(struct task_struct *p, struct task_ctx *tctx, bool woke)
{
	s32 cpu = scx_bpf_task_cpu(p);

	WRITE_ONCE(tctx->wait_since, bpf_ktime_get_ns());
	if (!woke)
		tctx->wait_dsq = local_dsq_of(cpu);
	tctx->wait_cpu = cpu;
	tctx->woke = woke;
	tctx->stall_seen = false;
}

/* Where the task now waits and with which key (for wakeup preemption and
 * for the stall record). */
static __always_inline void note_insert(struct task_ctx *tctx, u64 dsq, u64 key)
{
	tctx->wait_dsq = dsq;
	tctx->dsq_key = key;
}

/* Only one CPU writes the record at a time; a concurrent one is counted but
 * not recorded. */
static u32 wait_record_busy;

static void record_long_wait(struct task_struct *p, struct task_ctx *tctx, u64 wait, s32 run_cpu)
{
	struct scxx_wait_record *r = &last_long_wait;
	u64 dsq = tctx->wait_dsq;

	if (stall_abort)
		scxx_error("liveness: %s[%d] waited %llu ms (dsq 0x%llx, cpu %d, key %llu, clock %llu)",
			   p->comm, p->pid, wait / NSEC_PER_MSEC, dsq, tctx->wait_cpu, tctx->dsq_key,
			   vtime_now);
	if (__sync_val_compare_and_swap(&wait_record_busy, 0, 1) != 0)
		return;
	r->pid = p->pid;
	r->wait_cpu = tctx->wait_cpu;
	r->run_cpu = run_cpu;
	r->woke = tctx->woke;
	r->dsq = dsq;
	r->wait_ns = wait;
	r->key = tctx->dsq_key;
	r->clock = vtime_now;
	r->dsq_depth = 0;
	if (dsq != SCXX_WAIT_IN_AGENT && !(dsq & SCXX_WAIT_LOCAL_FLAG)) {
		s32 depth = scx_bpf_dsq_nr_queued(dsq);

		r->dsq_depth = depth > 0 ? (u64)depth : 0;
	}
	bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), p->comm);
	__sync_lock_test_and_set(&wait_record_busy, 0);
}

/* In ops.running: how long did the task wait? */
static void end_wait(struct task_struct *p, struct task_ctx *tctx, u64 now, s32 cpu)
{
	u64 since = READ_ONCE(tctx->wait_since), wait, max;
	int i;

	if (!since)
		return;
	WRITE_ONCE(tctx->wait_since, 0);
	/* Clocks of two CPUs may disagree by a little: never a negative wait. */
	wait = (s64)(now - since) > 0 ? now - since : 0;
	for (i = 0; i < 4; i++) {
		max = READ_ONCE(max_wait_ns);
		if (wait <= max || __sync_bool_compare_and_swap(&max_wait_ns, max, wait))
			break;
	}
	if (wait > stall_bound_ns) {
		__sync_fetch_and_add(&nr_long_waits, 1);
		if (!tctx->stall_seen)
			record_long_wait(p, tctx, wait, cpu);
	}
}

/* Moves a starving task from the DSQ being walked to the local DSQ of a
 * CPU it may use, and preempts that CPU: from here it runs within the
 * remainder of that CPU's current slice. */
static bool move_starving(struct bpf_iter_scx_dsq *it, struct task_struct *p)
{
	s32 cpu = scx_bpf_task_cpu(p);

	if (cpu < 0 || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
		cpu = scx_bpf_pick_any_cpu(p->cpus_ptr, 0);
	if (cpu < 0 || !scx_bpf_dsq_move(it, p, SCX_DSQ_LOCAL_ON | cpu, 0))
		return false;
	__sync_fetch_and_add(&nr_starvation_moves, 1);
	scx_bpf_kick_cpu(cpu, SCX_KICK_PREEMPT);
	return true;
}

/* Heartbeat: walks one of scxx's DSQs. A task waiting past starvation_ns
 * is moved ahead (the guaranteed bound on waiting); one waiting past the
 * stall bound is reported now, before the kernel's watchdog would act.
 * Local DSQs cannot be walked; their waits are caught in ops.running. */
static void scan_dsq(u64 dsq_id, u64 now)
{
	struct task_struct *p;

	bpf_for_each(scx_dsq, p, dsq_id, 0)
	{
		struct task_ctx *tctx = lookup_task_ctx(p);
		s64 waited;
		u64 since;

		if (!tctx)
			continue;
		since = READ_ONCE(tctx->wait_since); /* once: ops.running may clear it */
		if (!since)
			continue;
		waited = (s64)(now - since); /* stamped after `now`: negative */
		if (waited > (s64)stall_bound_ns && !tctx->stall_seen) {
			tctx->stall_seen = true;
			__sync_fetch_and_add(&nr_stalled_seen, 1);
			record_long_wait(p, tctx, waited, -1);
		}
		if (starvation_ns && waited > (s64)starvation_ns && dsq_id != SCXX_AGENT_DSQ)
			move_starving(BPF_FOR_EACH_ITER, p);
	}
}

static void scan_waiting_tasks(u64 now)
{
	u32 cpu, nr = scx_bpf_nr_cpu_ids();

	/* DSQ iterators need an RCU read section; kernels before 6.19 verify a
	 * timer armed from a sleepable program as sleepable. */
	bpf_rcu_read_lock();
	scan_dsq(SCXX_SHARED_DSQ, now);
	scan_dsq(SCXX_AGENT_DSQ, now);
	bpf_for(cpu, 0, nr)
		scan_dsq(cpu, now);
	bpf_rcu_read_unlock();
}

/* Decisions submitted by the agent but not yet read by any CPU. */
static __always_inline bool dispatches_pending(void)
{
	return (s64)(READ_ONCE(nr_dispatch_submitted) - READ_ONCE(nr_dispatch_consumed)) > 0;
}

static __always_inline bool agent_has_work(void)
{
	return READ_ONCE(nr_scheduled) != 0 || dispatches_pending() ||
	       bpf_ringbuf_query(&queued, BPF_RB_AVAIL_DATA) > 0;
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

/* Wakeup preemption: @p woke up and found no idle CPU; if its key is
 * earlier than that of the task running on its last CPU, preempt that one
 * so @p does not wait out a whole slice (what EEVDF does on wakeup). */
static void preempt_if_earlier(struct task_struct *p, u64 key)
{
	s32 cpu = scx_bpf_task_cpu(p);
	u64 running;

	if (cpu < 0 || cpu >= MAX_CPUS || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
		return;
	running = running_key[cpu & (MAX_CPUS - 1)];
	if (running && vtime_before(key + wakeup_margin_ns, running)) {
		scx_bpf_kick_cpu(cpu, SCX_KICK_PREEMPT);
		__sync_fetch_and_add(&nr_wakeup_preemptions, 1);
	}
}

static struct scxx_queued_task *reserve_queued(void)
{
	struct scxx_queued_task *m = bpf_ringbuf_reserve(&queued, sizeof(*m), 0);

	if (!m)
		__sync_fetch_and_add(&nr_sched_congested, 1);
	return m;
}

static __always_inline const struct scxx_task_boost *lookup_boost(const struct task_struct *p)
{
	s32 pid = p->pid;

	return bpf_map_lookup_elem(&task_boosts, &pid);
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

/* Urgent strategy priorities: onto a CPU's local DSQ, at its head, or
 * preempting what runs there unless that is at least as urgent. */
static void place_urgent(struct task_struct *p, struct task_ctx *tctx,
			 const struct scxx_task_boost *b, u64 enq_flags)
{
	s32 cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
	u64 slice = b->slice_ns ? b->slice_ns : slice_ns;
	u64 flags = SCX_ENQ_HEAD;

	if (cpu < 0)
		cpu = scx_bpf_task_cpu(p);
	if (b->priority >= SCXX_PRIO_PREEMPT_MIN && cpu < MAX_CPUS &&
	    running_priority[cpu & (MAX_CPUS - 1)] < b->priority)
		flags = SCX_ENQ_PREEMPT;
	note_insert(tctx, local_dsq_of(cpu), 0);
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | cpu, slice, enq_flags | flags);
	__sync_fetch_and_add(&nr_priority_dispatches, 1);
	scx_bpf_kick_cpu(cpu, flags == SCX_ENQ_PREEMPT ? SCX_KICK_PREEMPT : SCX_KICK_IDLE);
}

/* Kernel mode: the deadline policy decided in BPF. */
static void kernel_mode_enqueue(struct task_struct *p, struct task_ctx *tctx,
				const struct scxx_task_boost *b, u64 enq_flags)
{
	u64 weight = boosted_weight(p, b);
	u64 vtime = tctx->vtime, deadline, slice, vslice, waiting, awake;
	s32 cpu = scx_bpf_task_cpu(p);

	/* Slices shrink as more tasks wait, scaled by weight. */
	waiting = scx_bpf_dsq_nr_queued(SCXX_SHARED_DSQ) + 1;
	slice = slice_ns * weight / 100 / waiting;
	if (slice < slice_min_ns)
		slice = slice_min_ns;
	if (b && b->slice_ns)
		slice = b->slice_ns;
	/* The same slice in virtual time: the unit of every bound below. */
	vslice = slice * 100 / weight;

	/* Liveness: every key lies within about one slice of the clock
	 * (vtime_now, the largest key that started running). A sleeper keeps
	 * at most one slice of credit, and the deadline adds at most one slice
	 * for the time run since waking (interactive tasks, which ran little,
	 * go first). So a waiting task can be passed by each other task for
	 * about three slices of virtual time, and its wait is bounded by the
	 * number of tasks times a few slices, whatever the load. (With a lead
	 * of 100 slices, as in rustland's formula, a CPU-bound task sat behind
	 * every waking task for seconds while the clock crawled.) */
	if (vtime_before(vtime, vtime_now - vslice))
		vtime = vtime_now - vslice;
	/* From above too: a task that ran alone on refilled slices, never
	 * passing through ops.running, may have gone far past the clock. */
	if (vtime_before(vtime_now + vslice, vtime))
		vtime = vtime_now + vslice;
	tctx->vtime = vtime;
	awake = tctx->exec_runtime * 100 / weight;
	deadline = vtime + (awake < vslice ? awake : vslice);

	if (p->nr_cpus_allowed == 1) {
		note_insert(tctx, cpu, deadline);
		scx_bpf_dsq_insert_vtime(p, cpu, slice, deadline, enq_flags);
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
		if (enq_flags & SCX_ENQ_WAKEUP)
			preempt_if_earlier(p, deadline);
	} else {
		note_insert(tctx, SCXX_SHARED_DSQ, deadline);
		scx_bpf_dsq_insert_vtime(p, SCXX_SHARED_DSQ, slice, deadline, enq_flags);
		if (!kick_for(p, -1, 0) && (enq_flags & SCX_ENQ_WAKEUP))
			preempt_if_earlier(p, deadline);
	}
	__sync_fetch_and_add(&nr_kernel_dispatches, 1);
}

/* ---- struct_ops callbacks ----------------------------------------------- */
s32 SCXX_OPS(scxx_select_cpu_op, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	/* Picking an idle CPU claims it (clears its idle bit). Only claim one
	 * when the task is inserted there right away: a claimed CPU that gets
	 * no task stays marked busy while it sleeps, and every later idle
	 * search skips it. Otherwise the agent decides where the task goes. */
	if (!builtin_idle && !kernel_mode)
		return prev_cpu;
	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle) {
		struct task_ctx *tctx = lookup_task_ctx(p);

		if (tctx)
			note_insert(tctx, local_dsq_of(cpu), 0);
		/* A waking task that found an idle CPU runs there at once. */
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
		__sync_fetch_and_add(&nr_kernel_dispatches, 1);
	}
	return cpu;
}

void SCXX_OPS(scxx_enqueue, struct task_struct *p, u64 enq_flags)
{
	s32 cpu = scx_bpf_task_cpu(p);
	const struct scxx_task_boost *boost;
	struct scxx_queued_task *m;
	struct task_ctx *tctx = lookup_task_ctx(p);

	if (!tctx) {
		scxx_error("task %d (%s) has no scxx context", p->pid, p->comm);
		return;
	}
	if (is_agent(p)) {
		note_insert(tctx, SCXX_AGENT_DSQ, 0);
		scx_bpf_dsq_insert(p, SCXX_AGENT_DSQ, slice_ns, enq_flags);
		__sync_fetch_and_add(&nr_kernel_dispatches, 1);
		/* The agent is the scheduler: wake an idle CPU for it, or
		 * preempt its last CPU so it does not wait a whole slice. */
		kick_for(p, cpu, SCX_KICK_PREEMPT);
		return;
	}
	if (is_kernel_helper(p)) {
		note_insert(tctx, local_dsq_of(cpu), 0);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | cpu, slice_ns, enq_flags);
		__sync_fetch_and_add(&nr_kernel_dispatches, 1);
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
		return;
	}

	tctx->enq_cnt++;
	tctx->woke = enq_flags & SCX_ENQ_WAKEUP;

	boost = lookup_boost(p);
	/* Urgent only when waking up: a CPU-bound urgent task put back at the
	 * head after every slice would starve its CPU's other tasks. */
	if (boost && boost->priority >= SCXX_PRIO_HEAD_MIN && (enq_flags & SCX_ENQ_WAKEUP)) {
		place_urgent(p, tctx, boost, enq_flags);
		return;
	}
	if (kernel_mode) {
		kernel_mode_enqueue(p, tctx, boost, enq_flags);
		return;
	}

	m = reserve_queued();
	if (!m) {
		/* The shared DSQ is ordered by the policy's keys: take the key
		 * of the latest decision, so the task queues among the current
		 * ones (its own dsq_vtime is in another unit and could sort it
		 * behind every decision for good). */
		u64 key = READ_ONCE(last_user_key);

		note_insert(tctx, SCXX_SHARED_DSQ, key);
		scx_bpf_dsq_insert_vtime(p, SCXX_SHARED_DSQ, slice_ns, key, enq_flags);
		kick_for(p, -1, 0);
		return;
	}
	m->pid = p->pid;
	m->tgid = p->tgid;
	m->cpu = cpu;
	m->nr_cpus_allowed = p->nr_cpus_allowed;
	m->flags = (enq_flags & SCX_ENQ_WAKEUP) ? SCXX_QF_WAKEUP : 0;
	m->start_ts = tctx->start_ts;
	m->stop_ts = tctx->stop_ts;
	m->exec_runtime = tctx->exec_runtime;
	m->weight = p->scx.weight;
	m->vtime = p->scx.dsq_vtime;
	m->enq_cnt = tctx->enq_cnt;
	bpf_probe_read_kernel_str(m->comm, sizeof(m->comm), p->comm);
	m->priority = boost ? boost->priority : 0;
	m->pad = 0;
	m->boost_slice_ns = boost ? boost->slice_ns : 0;
	tctx->wait_dsq = SCXX_WAIT_IN_AGENT;
	/* The first message after the agent went to sleep wakes it, the rest
	 * go quietly. The exchange is a full barrier between publishing the
	 * message and reading the flag; the agent does the same in the other
	 * order (see wait_for_work). Forced, not adaptive: the ring's adaptive
	 * wake-up fires only for the record at the reader's position, and a
	 * quiet record left there (an exit notification) would swallow it. */
	bpf_ringbuf_submit(m, __sync_lock_test_and_set(&agent_sleeping, 0) ? BPF_RB_FORCE_WAKEUP
									 : BPF_RB_NO_WAKEUP);
	__sync_fetch_and_add(&nr_queued, 1);
}

/* Reads and validates one decision; a malformed one is counted and skipped. */
static int read_dispatch_msg(struct bpf_dynptr *dynptr, struct scxx_dispatched_task *m)
{
	__sync_fetch_and_add(&nr_dispatch_consumed, 1);
	if (bpf_dynptr_size(dynptr) != sizeof(*m) || bpf_dynptr_read(m, sizeof(*m), dynptr, 0, 0) ||
	    m->pid <= 0 || m->cpu < SCXX_CPU_ANY || m->cpu >= MAX_CPUS) {
		__sync_fetch_and_add(&nr_failed_dispatches, 1);
		return -EINVAL;
	}
	return 0;
}

/* Carries out one decision of the agent (inside ops.dispatch). */
static void dispatch_task(const struct scxx_dispatched_task *m, s32 this_cpu)
{
	u64 slice = m->slice_ns ? m->slice_ns : slice_ns;
	u64 enq_flags = 0, dsq;
	struct task_struct *p;
	struct task_ctx *tctx;
	s32 cpu = m->cpu;

	p = bpf_task_from_pid(m->pid);
	if (!p) {
		__sync_fetch_and_add(&nr_failed_dispatches, 1);
		return;
	}
	tctx = lookup_task_ctx(p);
	if (!tctx) {
		__sync_fetch_and_add(&nr_failed_dispatches, 1);
		goto out;
	}
	if (tctx->enq_cnt != m->enq_cnt) { /* re-enqueued since: a newer message exists */
		__sync_fetch_and_add(&nr_cancel_dispatches, 1);
		goto out;
	}
	if (cpu != SCXX_CPU_ANY &&
	    (cpu >= scx_bpf_nr_cpu_ids() || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr))) {
		__sync_fetch_and_add(&nr_bounce_dispatches, 1);
		cpu = SCXX_CPU_ANY;
	}

	if (m->flags & (SCXX_DF_PREEMPT | SCXX_DF_HEAD)) {
		/* Local DSQs are FIFO: urgent tasks go there directly. */
		if (cpu == SCXX_CPU_ANY)
			cpu = scx_bpf_task_cpu(p);
		if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			cpu = this_cpu;
		if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			cpu = scx_bpf_pick_any_cpu(p->cpus_ptr, 0);
		if (cpu < 0) { /* affinity changing under us: let any CPU take it */
			cpu = SCXX_CPU_ANY;
			dsq = SCXX_SHARED_DSQ;
			scx_bpf_dsq_insert_vtime(p, SCXX_SHARED_DSQ, slice, m->vtime, 0);
		} else {
			enq_flags = (m->flags & SCXX_DF_PREEMPT) ? SCX_ENQ_PREEMPT : SCX_ENQ_HEAD;
			dsq = local_dsq_of(cpu);
			scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | cpu, slice, enq_flags);
		}
	} else {
		dsq = cpu == SCXX_CPU_ANY ? SCXX_SHARED_DSQ : (u64)cpu;
		scx_bpf_dsq_insert_vtime(p, dsq, slice, m->vtime, 0);
	}

	/* The task may have been enqueued again while we inserted it. */
	if (tctx->enq_cnt != m->enq_cnt) {
		scx_bpf_dispatch_cancel();
		__sync_fetch_and_add(&nr_cancel_dispatches, 1);
		goto out;
	}
	__sync_fetch_and_add(&nr_user_dispatches, 1);
	WRITE_ONCE(last_user_key, m->vtime);
	note_insert(tctx, dsq, m->vtime); /* not before: a stale decision must not overwrite */
	if (cpu == SCXX_CPU_ANY) {
		if (!kick_for(p, -1, 0) && tctx->woke)
			preempt_if_earlier(p, m->vtime);
	} else if (cpu != this_cpu) {
		scx_bpf_kick_cpu(cpu, (m->flags & SCXX_DF_PREEMPT) ? SCX_KICK_PREEMPT : SCX_KICK_IDLE);
	}
out:
	bpf_task_release(p);
}

static long drain_dispatched_cb(struct bpf_dynptr *dynptr, void *ctx)
{
	struct scxx_dispatched_task m;
	s32 *this_cpu = ctx;

	if (!read_dispatch_msg(dynptr, &m))
		dispatch_task(&m, *this_cpu);
	/* The sample is consumed either way: stop before the next one when no
	 * dispatch slot is left, so none is read and lost. */
	return scx_bpf_dispatch_nr_slots() ? 0 : 1;
}

/* Runs the task with the earlier key of this CPU's own DSQ and the shared
 * one: both hold keys of the same clock. Always serving one of them first
 * would starve the other whenever it never runs dry. */
static bool consume_earliest(s32 cpu)
{
	struct task_struct *mine, *shared;
	bool shared_first = false;

	if (bpf_ksym_exists(scx_bpf_dsq_peek)) {
		mine = scx_bpf_dsq_peek(cpu);
		shared = scx_bpf_dsq_peek(SCXX_SHARED_DSQ);
		shared_first = mine && shared && vtime_before(shared->scx.dsq_vtime, mine->scx.dsq_vtime);
	}
	if (shared_first && scx_bpf_dsq_move_to_local(SCXX_SHARED_DSQ))
		return true;
	return scx_bpf_dsq_move_to_local(cpu) || scx_bpf_dsq_move_to_local(SCXX_SHARED_DSQ);
}

void SCXX_OPS(scxx_dispatch, s32 cpu, struct task_struct *prev)
{
	if (scx_bpf_dsq_move_to_local(SCXX_AGENT_DSQ))
		return;
	if (scx_bpf_dispatch_nr_slots())
		bpf_user_ringbuf_drain(&dispatched, drain_dispatched_cb, &cpu, BPF_RB_NO_WAKEUP);
	if (consume_earliest(cpu))
		return;
	/* Nothing else to run: let the previous task go on. In user mode only
	 * briefly: a task that wakes meanwhile reaches a DSQ through the agent
	 * and would otherwise wait out a whole slice. Not when urgent
	 * decisions wait in the local DSQ: a refill would keep prev on the CPU
	 * ahead of them. */
	if (prev && (prev->scx.flags & SCX_TASK_QUEUED) &&
	    scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL) == 0) {
		struct task_ctx *tctx = lookup_task_ctx(prev);

		prev->scx.slice = kernel_mode ? slice_ns : slice_min_ns;
		if (tctx)
			tctx->slice_start = bpf_ktime_get_ns();
	}
}

void SCXX_OPS(scxx_runnable, struct task_struct *p, u64 enq_flags)
{
	struct task_ctx *tctx = lookup_task_ctx(p);

	if (tctx) {
		tctx->exec_runtime = 0; /* a new burst starts after a sleep */
		start_wait(p, tctx, true);
	}
}

void SCXX_OPS(scxx_running, struct task_struct *p)
{
	struct task_ctx *tctx = lookup_task_ctx(p);
	u64 now = bpf_ktime_get_ns();

	const struct scxx_task_boost *boost = lookup_boost(p);
	s32 cpu = scx_bpf_task_cpu(p);

	__sync_fetch_and_add(&nr_running, 1);
	if (is_agent(p))
		WRITE_ONCE(usersched_last_run_at, now);
	if (tctx) {
		end_wait(p, tctx, now, cpu);
		tctx->start_ts = now;
		tctx->slice_start = now;
	}
	if (cpu >= 0 && cpu < MAX_CPUS) {
		running_priority[cpu & (MAX_CPUS - 1)] = boost ? boost->priority : 0;
		/* Agent and kernel threads carry no key: never preempted by it. */
		running_key[cpu & (MAX_CPUS - 1)] = tctx && !is_agent(p) ? tctx->dsq_key : 0;
	}
	/* Kernel mode: the clock follows the keys that start running, and the
	 * virtual time of tasks that run without one (idle wake-ups placed by
	 * ops.select_cpu, urgent tasks): else their vtime ran ahead of the clock
	 * and they queued far behind everyone once the load came. */
	if (kernel_mode && tctx && !is_agent(p)) {
		u64 clock = vtime_before(tctx->vtime, tctx->dsq_key) ? tctx->dsq_key : tctx->vtime;

		if (vtime_before(vtime_now, clock))
			vtime_now = clock;
	}
}

void SCXX_OPS(scxx_stopping, struct task_struct *p, bool runnable)
{
	struct task_ctx *tctx = lookup_task_ctx(p);
	const struct scxx_task_boost *boost;
	u64 now = bpf_ktime_get_ns(), ran;

	__sync_fetch_and_sub(&nr_running, 1);
	if (!tctx)
		return;
	tctx->stop_ts = now;
	if (runnable)
		start_wait(p, tctx, false);
	ran = now - tctx->start_ts;
	tctx->exec_runtime += ran;
	/* Virtual time: run time scaled by the (strategy-raised) weight. In
	 * user mode it only orders the shared DSQ when the ring is full. */
	boost = lookup_boost(p);
	if (kernel_mode)
		tctx->vtime += ran * 100 / boosted_weight(p, boost);
	else
		p->scx.dsq_vtime += ran * 100 / boosted_weight(p, boost);
}

void SCXX_OPS(scxx_tick, struct task_struct *p)
{
	struct task_ctx *tctx;
	u64 now = bpf_ktime_get_ns();

	if (is_agent(p)) {
		/* Running counts as alive, not only starting to run. */
		WRITE_ONCE(usersched_last_run_at, now);
		return;
	}
	/* Watchdog: nobody keeps a CPU longer than max_run_ns while others
	 * wait (alone, a task may run on). */
	tctx = lookup_task_ctx(p);
	if (max_run_ns && tctx && now - tctx->slice_start > max_run_ns &&
	    (scx_bpf_dsq_nr_queued(SCXX_SHARED_DSQ) > 0 ||
	     scx_bpf_dsq_nr_queued(scx_bpf_task_cpu(p)) > 0 || agent_has_work())) {
		p->scx.slice = 0;
		tctx->slice_start = now;
		__sync_fetch_and_add(&nr_watchdog_preemptions, 1);
		return;
	}
	if (kernel_mode)
		return;
	/* Decisions wait in the ring: a CPU only drains it in ops.dispatch,
	 * which a CPU with a busy local DSQ skips. End this slice so one tick
	 * bounds their wait. */
	if (dispatches_pending()) {
		p->scx.slice = 0;
		__sync_fetch_and_add(&nr_tick_drains, 1);
		return;
	}
	/* Give the CPU up when the agent is overdue and has work, so dispatch
	 * runs and serves the agent's DSQ. */
	if (now - READ_ONCE(usersched_last_run_at) > slice_ns &&
	    bpf_ringbuf_query(&queued, BPF_RB_AVAIL_DATA) > 0)
		p->scx.slice = 0;
}

void SCXX_OPS(scxx_update_idle, s32 cpu, bool idle)
{
	if (idle && dispatches_pending()) {
		scx_bpf_kick_cpu(cpu, 0);
		__sync_fetch_and_add(&nr_idle_kicks, 1);
	}
}

void SCXX_OPS(scxx_enable, struct task_struct *p)
{
	struct task_ctx *tctx = lookup_task_ctx(p);

	p->scx.dsq_vtime = vtime_now;
	if (tctx)
		tctx->vtime = vtime_now;
}

s32 SCXX_OPS(scxx_init_task, struct task_struct *p, struct scx_init_task_args *args)
{
	if (!bpf_task_storage_get(&task_ctx_stor, p, 0, BPF_LOCAL_STORAGE_GET_F_CREATE))
		return -ENOMEM;
	return 0;
}

void SCXX_OPS(scxx_exit_task, struct task_struct *p, struct scx_exit_task_args *args)
{
	struct scxx_queued_task *m;

	if (kernel_mode || is_agent(p) || (p->flags & PF_KTHREAD))
		return;
	/* Best effort: lets the policy forget the task. */
	m = bpf_ringbuf_reserve(&queued, sizeof(*m), 0);
	if (!m)
		return;
	__builtin_memset(m, 0, sizeof(*m));
	m->pid = p->pid;
	m->tgid = p->tgid;
	m->flags = SCXX_QF_EXITING;
	bpf_ringbuf_submit(m, BPF_RB_NO_WAKEUP); /* not worth waking the agent for */
	__sync_fetch_and_add(&nr_exit_notifications, 1);
}

static int heartbeat_cb(void *map, int *key, struct bpf_timer *timer)
{
	u64 now = bpf_ktime_get_ns();
	struct scxx_queued_task *m;

	scan_waiting_tasks(now);
	if (!kernel_mode && agent_has_work() &&
	    now - READ_ONCE(usersched_last_run_at) > heartbeat_ns) {
		m = bpf_ringbuf_reserve(&queued, sizeof(*m), 0);
		if (m) {
			__builtin_memset(m, 0, sizeof(*m));
			m->flags = SCXX_QF_HEARTBEAT;
			bpf_ringbuf_submit(m, BPF_RB_FORCE_WAKEUP);
			__sync_fetch_and_add(&nr_heartbeat_wakeups, 1);
		}
	}
	bpf_timer_start(timer, heartbeat_ns, 0);
	return 0;
}

s32 SCXX_OPS_SLEEPABLE(scxx_init)
{
	u32 key = 0, nr_cpus = scx_bpf_nr_cpu_ids();
	struct bpf_timer *timer;
	s32 err;

	bpf_for(key, 0, nr_cpus)
	{
		err = scx_bpf_create_dsq(key, -1);
		if (err)
			return err;
	}
	err = scx_bpf_create_dsq(SCXX_SHARED_DSQ, -1);
	if (!err)
		err = scx_bpf_create_dsq(SCXX_AGENT_DSQ, -1);
	if (err)
		return err;

	key = 0;
	timer = bpf_map_lookup_elem(&heartbeat_timer, &key);
	if (!timer)
		return -ENOENT;
	bpf_timer_init(timer, &heartbeat_timer, CLOCK_MONOTONIC);
	bpf_timer_set_callback(timer, heartbeat_cb);
	return bpf_timer_start(timer, heartbeat_ns, 0);
}

void SCXX_OPS(scxx_exit, struct scx_exit_info *ei)
{
	scxx_record_exit(&exit_info, ei);
}

SEC(".struct_ops.link")
struct sched_ext_ops scxx_ops = {
	.select_cpu = (void *)scxx_select_cpu_op,
	.enqueue = (void *)scxx_enqueue,
	.dispatch = (void *)scxx_dispatch,
	.runnable = (void *)scxx_runnable,
	.running = (void *)scxx_running,
	.stopping = (void *)scxx_stopping,
	.tick = (void *)scxx_tick,
	.update_idle = (void *)scxx_update_idle,
	.enable = (void *)scxx_enable,
	.init_task = (void *)scxx_init_task,
	.exit_task = (void *)scxx_exit_task,
	.init = (void *)scxx_init,
	.exit = (void *)scxx_exit,
	.flags = SCX_OPS_ENQ_LAST | SCX_OPS_KEEP_BUILTIN_IDLE,
	.dispatch_max_batch = SCXX_DISPATCH_BATCH,
	.timeout_ms = 5000,
	.name = "scxx",
};

/* ---- select_cpu for the agent (SYSCALL program) ------------------------ */
static __always_inline bool cpu_usable(s32 cpu, const struct task_struct *p)
{
	return bpf_cpumask_test_cpu(cpu, p->cpus_ptr) && scx_bpf_test_and_clear_cpu_idle(cpu);
}

static s32 pick_idle_cpu(struct task_struct *p, s32 prev)
{
	s32 nr = scx_bpf_nr_cpu_ids(), cpu;

	if (prev >= 0 && prev < nr && prev < MAX_CPUS) {
		if (cpu_usable(prev, p))
			return prev;
		bpf_for(cpu, 0, nr) /* SMT siblings of prev */
		{
			if (cpu >= MAX_CPUS)
				break;
			if (cpu != prev && cpu_core_id[cpu] == cpu_core_id[prev] && cpu_usable(cpu, p))
				return cpu;
		}
		bpf_for(cpu, 0, nr) /* same last-level cache */
		{
			if (cpu >= MAX_CPUS)
				break;
			if (cpu != prev && cpu_llc_id[cpu] == cpu_llc_id[prev] && cpu_usable(cpu, p))
				return cpu;
		}
	}
	return scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
}

SEC("syscall")
int scxx_select_cpu(struct scxx_select_cpu_arg *arg)
{
	struct task_struct *p;
	s32 cpu;

	/* Without sched_ext (e.g. the host-bpf tests) the idle kfuncs are absent. */
	if (!bpf_ksym_exists(scx_bpf_test_and_clear_cpu_idle))
		return -EOPNOTSUPP;
	p = bpf_task_from_pid(arg->pid);
	if (!p)
		return -ESRCH;
	bpf_rcu_read_lock();
	cpu = pick_idle_cpu(p, arg->prev_cpu);
	bpf_rcu_read_unlock();
	bpf_task_release(p);
	/* SCX_KICK_IDLE: wake it only if idle; it may already be busy again. */
	if (cpu >= 0)
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
	return cpu;
}

/* ---- channel self-test (SYSCALL programs) -------------------------------
 * Drive both rings without sched_ext: tests and the channel benchmark use
 * them on any kernel with BPF. They share reserve_queued() and
 * read_dispatch_msg() with the scheduler, so accounting and validation are
 * the same code. */
#define TEST_RECORD 64
struct scxx_dispatched_task test_drained[TEST_RECORD];
u64 test_nr_drained;

SEC("syscall")
int scxx_test_produce(struct scxx_channel_test_arg *arg)
{
	u32 i, n = arg->count;
	u64 produced = 0;

	bpf_for(i, 0, n)
	{
		struct scxx_queued_task *m = reserve_queued();

		if (!m)
			continue;
		__builtin_memset(m, 0, sizeof(*m));
		m->pid = arg->pid_base + (s32)i;
		m->tgid = m->pid;
		m->cpu = 0;
		m->nr_cpus_allowed = 1;
		m->weight = 100;
		m->exec_runtime = i;
		m->enq_cnt = i;
		bpf_ringbuf_submit(m, arg->no_wakeup ? BPF_RB_NO_WAKEUP : 0);
		__sync_fetch_and_add(&nr_queued, 1);
		produced++;
	}
	arg->result = produced;
	return 0;
}

struct test_drain_ctx {
	u64 limit;
	u64 valid;
};

static long test_drain_cb(struct bpf_dynptr *dynptr, void *ctx)
{
	struct test_drain_ctx *c = ctx;
	struct scxx_dispatched_task m;
	u64 idx;

	if (read_dispatch_msg(dynptr, &m))
		return 0;
	idx = test_nr_drained % TEST_RECORD;
	if (idx < TEST_RECORD)
		test_drained[idx] = m;
	test_nr_drained++;
	c->valid++;
	return c->valid >= c->limit ? 1 : 0;
}

SEC("syscall")
int scxx_test_drain(struct scxx_channel_test_arg *arg)
{
	struct test_drain_ctx c = {.limit = arg->count ? arg->count : ~0ULL};
	long n = bpf_user_ringbuf_drain(&dispatched, test_drain_cb, &c, BPF_RB_NO_WAKEUP);

	arg->result = c.valid;
	return n < 0 ? (int)n : 0;
}
