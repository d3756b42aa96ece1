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
 *    message (channel.bpf.h), except:
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
 *    (channel.bpf.h) while dispatch slots remain, inserting each task by
 *    vtime into its CPU's DSQ (or the shared DSQ for "any"), then moves one
 *    task from its own DSQ or the shared DSQ to the local DSQ. A decision
 *    whose enq_cnt is older than the task's current one is stale (the task
 *    was enqueued again since): it is dropped or cancelled
 *    (nr_cancel_dispatches). A target CPU outside the task's affinity goes
 *    to the shared DSQ (nr_bounce_dispatches). A malformed message or
 *    unknown pid counts as nr_failed_dispatches.
 * 4. The agent can ask for an idle CPU with the SYSCALL program
 *    scxx_select_cpu (agent_select_cpu.bpf.h; BPF_PROG_TEST_RUN; ctx_in AND
 *    ctx_size_in must be set): previous CPU, then an SMT sibling, then the
 *    same LLC, then any idle CPU; the chosen CPU is kicked.
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
 *    (pid -> priority, slice, start time), written by the agent. An entry
 *    applies only to the task whose start time (ticks since boot, as in
 *    /proc) it carries: a pid reused by a new thread gets no boost before
 *    the agent's next scan replaces or deletes the entry. Urgent priorities
 *    (11..20) are placed here in both modes (placement.bpf.h): straight
 *    onto a CPU's local DSQ, at its head or preempting. Priorities 1..10
 *    slow the task's virtual time; the queued message carries them to the
 *    Policy. A thread without an entry of its own (new since the agent's
 *    last scan) takes the higher boost of its process (process_boosts,
 *    tgid -> boost with the leader's start time) and its cgroup
 *    (cgroup_boosts, cgroup id -> boost), counted as nr_group_boosts.
 * 8. Kernel mode (kernel_mode = true, kernel_mode.bpf.h): no message goes
 *    to the agent. Tasks are ordered here by deadline = vtime +
 *    min(exec_runtime, slice) on the shared DSQ, the same deadline idea as
 *    the gthulhu policy.
 * 9. ops.tick preempts a task that has run longer than max_run_ns.
 * 10. Wakeup preemption: a task that woke up, found no idle CPU and whose
 *    DSQ key (deadline) is earlier by more than wakeup_margin_ns than that
 *    of the task running on its CPU preempts it, in both modes (fifo
 *    decisions all carry key 0: never; placement.bpf.h). So does any woken
 *    task when the one running there is past the end of its slice: slices
 *    end only at a tick, and it would otherwise keep the CPU until then.
 * 11. How the agent waits for work (agent_yield, agent_wakeup.bpf.h). By
 *    default its loop thread never sleeps: when done it yields its CPU,
 *    ops.enqueue parks it (inserts it nowhere), and the first message after
 *    the agent cleared agent_needed sets it; ops.dispatch then runs the
 *    parked thread, or keeps it on the CPU it is giving up. A sync wake-up
 *    kicks no CPU (the waker's CPU runs the agent as the waker sleeps), and
 *    the CPU the agent leaves takes its first "any CPU" decision itself.
 *    The older way (agent_wakeup ring): the agent sets agent_sleeping before
 *    it blocks on the ring; the first enqueue after that clears it and
 *    wakes the agent (forced ring notification), every other message goes
 *    without one: a notification costs an irq_work, wasted while the agent
 *    is awake anyway.
 * 12. Liveness (liveness.bpf.h): every wait from runnable to running is
 *    measured; the heartbeat walks scxx's DSQs, moves a task that waited
 *    past starvation_ns onto a CPU's local DSQ and records any wait past
 *    stall_bound_ns (struct scxx_wait_record). See "Bounded waits" in
 *    docs/ARCHITECTURE.md for why keys stay near the clock.
 * 13. Statistics are listed once, in bpf/intf.h (SCXX_STATS): counters
 *    bumped on the hot path live in the per-CPU map "cpu_stats" (stat_inc),
 *    values BPF reads back or the agent writes (nr_scheduled, the
 *    submitted/consumed decision counts) in .bss "shared_stats".
 * 14. The fast path (fast_path, user mode): ops.select_cpu puts a waking
 *    task straight onto an idle CPU while the agent holds nothing and the
 *    shared DSQ is empty, if the policy allows it (nr_fast_path).
 * 15. A stalled agent (agent_fallback.bpf.h): the agent counts its loop
 *    iterations (agent_steps); when they stop for agent_timeout_ns while
 *    work waits, BPF places new tasks itself and takes back every task the
 *    agent owes a decision (the "custody" map), until the agent moves again.
 * 16. Settings that change while attached (slices, fast path, watchdog,
 *    agent timeout, starvation and stall bounds) are in .bss "tunables"
 *    (struct scxx_tunables), written by the agent at any time; each use
 *    reads the current value. A policy switch in the agent changes nothing
 *    here: decisions in the ring stay valid, tasks it held are handed to the
 *    new policy and come back as decisions like any other. ops.running also
 *    counts each wait in the per-CPU histogram wait_hist and raises
 *    max_wait_since_ns, which the agent resets to measure a window.
 *
 * Where the code is
 * -----------------
 * One compilation unit: the skeleton scxx_sched is built from this file
 * alone, which includes the topic headers in bpf/, each after what it uses.
 * This file keeps the struct_ops callbacks, the heartbeat timer and struct
 * sched_ext_ops.
 *   scxx_state.bpf.h        configuration (.rodata), tunables, statistics and
 *                           globals (.bss), maps, struct task_ctx, small
 *                           helpers (boost lookups)
 *   liveness.bpf.h          waits, stall records, starvation guard (12)
 *   placement.bpf.h         wakeup preemption, urgent priorities, which DSQ
 *                           ops.dispatch serves (7, 10)
 *   channel.bpf.h           queued messages out, decisions in (1-3, 11)
 *   agent_wakeup.bpf.h      parking and running the yielding agent (11)
 *   agent_fallback.bpf.h    taking over from a stalled agent (15)
 *   kernel_mode.bpf.h       the deadline policy decided in BPF (8)
 *   dispatch_budget.bpf.h   the slots one ops.dispatch may insert, shared
 *                           by its loops (3, 11, 15)
 *   agent_select_cpu.bpf.h  the select_cpu SYSCALL program (4)
 *   channel_test.bpf.h      the channel self-test SYSCALL programs
 *   boost_test.bpf.h        a strategy boost lookup for tests (7)
 * The last three are included at the end: SYSCALL programs defined before
 * the callbacks would reorder the skeleton's programs.
 */
#include "common.bpf.h"

char _license[] SEC("license") = "GPL";

#include "scxx_state.bpf.h"
#include "liveness.bpf.h"
#include "placement.bpf.h"
#include "channel.bpf.h"
#include "agent_wakeup.bpf.h"
#include "kernel_mode.bpf.h"
#include "agent_fallback.bpf.h"

/* ---- struct_ops callbacks ----------------------------------------------- */
s32 SCXX_OPS(scxx_select_cpu_op, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu;

	/* Picking an idle CPU claims it (clears its idle bit). Only claim one
	 * when the task is inserted there right away: a claimed CPU that gets
	 * no task stays marked busy while it sleeps, and every later idle
	 * search skips it. Otherwise the agent decides where the task goes. */
	if (agent_yield) {
		struct task_ctx *tctx = lookup_task_ctx(p);

		if (tctx)
			tctx->sync_wake = is_wake_sync(wake_flags);
	}
	if (!kernel_mode && !(tunables.fast_path && agent_holds_nothing()))
		return prev_cpu;
	cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);
	if (is_idle) {
		struct task_ctx *tctx = lookup_task_ctx(p);

		if (tctx)
			note_insert(tctx, local_dsq_of(cpu), 0);
		/* A waking task that found an idle CPU runs there at once. */
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, tunables.slice_ns, 0);
		if (kernel_mode)
			stat_inc(nr_kernel_dispatches);
		else
			stat_inc(nr_fast_path);
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
	if (is_agent_loop(p) && !(enq_flags & SCX_ENQ_WAKEUP)) {
		park_agent(p, tctx);
		return;
	}
	if (is_agent(p)) {
		note_insert(tctx, SCXX_AGENT_DSQ, 0);
		scx_bpf_dsq_insert(p, SCXX_AGENT_DSQ, tunables.slice_ns, enq_flags);
		stat_inc(nr_kernel_dispatches);
		/* The agent is the scheduler: wake an idle CPU for it, or
		 * preempt its last CPU so it does not wait a whole slice. */
		kick_for(p, cpu, SCX_KICK_PREEMPT);
		return;
	}
	if (is_kernel_helper(p)) {
		note_insert(tctx, local_dsq_of(cpu), 0);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | cpu, tunables.slice_ns, enq_flags);
		stat_inc(nr_kernel_dispatches);
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
		return;
	}

	tctx->enq_cnt++;
	tctx->woke = enq_flags & SCX_ENQ_WAKEUP;

	boost = lookup_boost_counted(p, true); /* counts boosts by process or cgroup */
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
	if (READ_ONCE(agent_stalled)) {
		fallback_enqueue(p, tctx, boost, enq_flags);
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
		scx_bpf_dsq_insert_vtime(p, SCXX_SHARED_DSQ, tunables.slice_ns, key, enq_flags);
		kick_for(p, -1, 0);
		return;
	}
	send_queued(m, p, tctx, boost, cpu, enq_flags);
	custody_add(p, tctx);
	/* A sync wake-up: the waker is about to sleep, and its CPU will run the
	 * agent then; kicking another CPU would cost an IPI and an idle exit. */
	if (agent_yield)
		agent_work_queued(p, !(tctx->woke && tctx->sync_wake));
	tctx->sync_wake = false;
}

void SCXX_OPS(scxx_dispatch, s32 cpu, struct task_struct *prev)
{
	if (scx_bpf_dsq_move_to_local(SCXX_AGENT_DSQ))
		return;
	struct drain_ctx dc = {.cpu = cpu,
			       .takes_one = prev && is_agent_loop(prev),
			       .budget = dispatch_budget_now()};

	/* Every insert below takes a slot of dc.budget (dispatch_budget.bpf.h). */
	if (budget_allows_loop(&dc.budget))
		bpf_user_ringbuf_drain(&dispatched, drain_dispatched_cb, &dc, BPF_RB_NO_WAKEUP);
	if (READ_ONCE(agent_stalled))
		take_back_from_agent(&dc.budget);
	/* Yield wake-up: the CPU the agent gives back runs what it decided
	 * first; elsewhere the agent goes before the tasks already decided, as
	 * an agent woken from the ring would through SCXX_AGENT_DSQ. */
	if (agent_yield) {
		if (prev && is_agent_loop(prev)) {
			if (consume_earliest(cpu) || keep_agent_running(prev))
				return;
		} else if (run_parked_agent(cpu, &dc.budget)) {
			return;
		}
	}
	if (consume_earliest(cpu))
		return;
	/* Nothing else to run: let the previous task go on. In user mode only
	 * briefly: a task that wakes meanwhile reaches a DSQ through the agent
	 * and would otherwise wait out a whole slice. Not when urgent
	 * decisions wait in the local DSQ: a refill would keep prev on the CPU
	 * ahead of them. */
	if (prev && (prev->scx.flags & SCX_TASK_QUEUED) && !is_agent_loop(prev) &&
	    scx_bpf_dsq_nr_queued(SCX_DSQ_LOCAL) == 0) {
		struct task_ctx *tctx = lookup_task_ctx(prev);

		set_task_slice(prev, kernel_mode ? tunables.slice_ns : tunables.slice_min_ns);
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

	stat_inc(nr_running);
	if (is_agent(p))
		WRITE_ONCE(usersched_last_run_at, now);
	if (is_agent_loop(p))
		WRITE_ONCE(agent_loop_ran_at, now);
	if (p->pid == READ_ONCE(agent_loop_pid))
		agent_answered(now);
	if (tctx) {
		end_wait(p, tctx, now, cpu);
		tctx->start_ts = now;
		tctx->slice_start = now;
	}
	if (cpu >= 0 && cpu < SCXX_MAX_CPUS) {
		running_priority[cpu & (SCXX_MAX_CPUS - 1)] = boost ? boost->priority : 0;
		/* Agent and kernel threads carry no key: never preempted by it. */
		running_key[cpu & (SCXX_MAX_CPUS - 1)] = tctx && !is_agent(p) ? tctx->dsq_key : 0;
		/* (SCX_SLICE_INF must not wrap around to the past) */
		running_slice_end[cpu & (SCXX_MAX_CPUS - 1)] =
			now + (p->scx.slice < (1ULL << 62) ? p->scx.slice : (1ULL << 62));
	}
	/* Kernel mode: the clock follows the keys that start running, and the
	 * virtual time of tasks that run without one (idle wake-ups placed by
	 * ops.select_cpu, urgent tasks): else their vtime ran ahead of the clock
	 * and they queued far behind everyone once the load came. User mode
	 * keeps the same clock on virtual times alone (the keys are the
	 * policy's, in another unit), ready for when BPF must decide itself (a
	 * stalled agent, agent_fallback.bpf.h). */
	if (tctx && !is_agent(p)) {
		u64 clock = kernel_mode && vtime_before(tctx->vtime, tctx->dsq_key) ? tctx->dsq_key
										  : tctx->vtime;

		if (vtime_before(vtime_now, clock))
			vtime_now = clock;
	}
}

void SCXX_OPS(scxx_stopping, struct task_struct *p, bool runnable)
{
	struct task_ctx *tctx = lookup_task_ctx(p);
	const struct scxx_task_boost *boost;
	u64 now = bpf_ktime_get_ns(), ran;

	stat_add(nr_running, -1);
	if (!tctx)
		return;
	tctx->stop_ts = now;
	if (runnable)
		start_wait(p, tctx, false);
	ran = now - tctx->start_ts;
	tctx->exec_runtime += ran;
	/* Virtual time: run time scaled by the (strategy-raised) weight: kernel
	 * mode's order, and in user mode BPF's own should the agent stall; the
	 * policy sees dsq_vtime. */
	boost = lookup_boost(p);
	ran = ran * 100 / boosted_weight(p, boost);
	tctx->vtime += ran;
	if (!kernel_mode)
		set_task_vtime(p, p->scx.dsq_vtime + ran);
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
	if (tunables.max_run_ns && tctx && now - tctx->slice_start > tunables.max_run_ns &&
	    (scx_bpf_dsq_nr_queued(SCXX_SHARED_DSQ) > 0 ||
	     scx_bpf_dsq_nr_queued(scx_bpf_task_cpu(p)) > 0 || agent_has_work())) {
		set_task_slice(p, 0);
		tctx->slice_start = now;
		stat_inc(nr_watchdog_preemptions);
		return;
	}
	if (kernel_mode)
		return;
	/* Decisions wait in the ring: a CPU only drains it in ops.dispatch,
	 * which a CPU with a busy local DSQ skips. End this slice so one tick
	 * bounds their wait. */
	if (dispatches_pending()) {
		set_task_slice(p, 0);
		stat_inc(nr_tick_drains);
		return;
	}
	/* Yield wake-up: the agent was needed but no CPU went through
	 * dispatch (a sync waker that kept running, no idle CPU): end this
	 * slice so the agent runs within a minimum slice. */
	if (agent_yield) {
		if (READ_ONCE(agent_needed) && READ_ONCE(agent_parked) &&
		    now - READ_ONCE(agent_loop_ran_at) > tunables.slice_min_ns)
			set_task_slice(p, 0);
		return;
	}
	/* Give the CPU up when the agent is overdue and has work, so dispatch
	 * runs and serves the agent's DSQ (not when it stalled: BPF places the
	 * tasks then, and this would end every slice at every tick). */
	if (!READ_ONCE(agent_stalled) && now - READ_ONCE(usersched_last_run_at) > tunables.slice_ns &&
	    bpf_ringbuf_query(&queued, BPF_RB_AVAIL_DATA) > 0)
		set_task_slice(p, 0);
}

void SCXX_OPS(scxx_update_idle, s32 cpu, bool idle)
{
	if (idle && dispatches_pending()) {
		scx_bpf_kick_cpu(cpu, 0);
		stat_inc(nr_idle_kicks);
	}
}

void SCXX_OPS(scxx_enable, struct task_struct *p)
{
	struct task_ctx *tctx = lookup_task_ctx(p);

	set_task_vtime(p, vtime_now);
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
	custody_remove(p->pid);
	/* Best effort: lets the policy forget the task. */
	m = bpf_ringbuf_reserve(&queued, sizeof(*m), 0);
	if (!m)
		return;
	__builtin_memset(m, 0, sizeof(*m));
	m->pid = p->pid;
	m->tgid = p->tgid;
	m->flags = SCXX_QF_EXITING;
	bpf_ringbuf_submit(m, BPF_RB_NO_WAKEUP); /* not worth waking the agent for */
	stat_inc(nr_exit_notifications);
}

static int heartbeat_cb(void *map, int *key, struct bpf_timer *timer)
{
	u64 now = bpf_ktime_get_ns();
	struct scxx_queued_task *m;

	scan_waiting_tasks(now);
	if (!kernel_mode)
		check_agent_progress(now);
	if (!kernel_mode && agent_yield)
		heartbeat_agent(now);
	else if (!kernel_mode && agent_has_work() &&
	    now - READ_ONCE(usersched_last_run_at) > heartbeat_ns) {
		m = bpf_ringbuf_reserve(&queued, sizeof(*m), 0);
		if (m) {
			__builtin_memset(m, 0, sizeof(*m));
			m->flags = SCXX_QF_HEARTBEAT;
			bpf_ringbuf_submit(m, BPF_RB_FORCE_WAKEUP);
			stat_inc(nr_heartbeat_wakeups);
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
	/* The kernel's watchdog, at its maximum: a round through N runnable
	 * tasks on a CPU takes N ticks at least (a slice ends at a tick), so
	 * 5 s allowed only about 1,250 per CPU at HZ=250. scxx's own bounds
	 * (starvation guard, stalled-agent take-over, stall records) act long
	 * before it; see "Bounded waits" in docs/ARCHITECTURE.md. */
	.timeout_ms = 30000,
	.name = "scxx",
};

/* The SYSCALL programs come after the callbacks, so that the skeleton lists
 * the programs in the same order as before the split (see
 * agent_select_cpu.bpf.h). */
#include "agent_select_cpu.bpf.h"
#include "channel_test.bpf.h"
#include "boost_test.bpf.h"
