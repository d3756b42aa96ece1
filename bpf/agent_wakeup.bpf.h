/* agent_wakeup.bpf.h: how the agent's loop thread gets a CPU when tasks are
 * queued, with agent_yield set (protocol point 11 in scxx.bpf.c).
 *
 * The loop thread never sleeps on the ring. When it has nothing left to do
 * it sets agent_idle and calls sched_yield(); ops.enqueue then sees it
 * runnable but not waking (park_agent) and inserts it nowhere: BPF holds it
 * ("parked"). A queued-task message sets agent_needed (agent_work_queued);
 * the next ops.dispatch on any CPU runs the parked thread there
 * (run_parked_agent), or keeps it on its CPU when it is the task giving the
 * CPU up (keep_agent_running). No irq_work, no wait queue, no poll: one
 * context switch in, one out. The agent clears agent_needed before it reads
 * the ring, and BPF sets it after it published a message, each with a full
 * barrier in between (Dekker), so a message is never left unseen; the
 * heartbeat runs a parked agent that has been away for a heartbeat period
 * anyway, because the kernel's watchdog counts a parked thread as a
 * runnable task that waits.
 *
 * The agent's other threads, and the loop thread when it wakes from a real
 * sleep (a page fault, a lock), go through SCXX_AGENT_DSQ as before.
 * Included once, by scxx.bpf.c. */
#pragma once

#include "channel.bpf.h"
#include "dispatch_budget.bpf.h"

static __always_inline bool is_agent_loop(const struct task_struct *p)
{
	return agent_yield && p->pid == READ_ONCE(agent_loop_pid);
}

/* Wakes a CPU for the parked agent: an idle one @p may use (any CPU will
 * do, run_parked_agent places the agent where it may run), else this CPU
 * is preempted: a kick of the CPU we run on needs no IPI to another one. */
static __always_inline void kick_cpu_for_agent(struct task_struct *p)
{
	kick_for(p, bpf_get_smp_processor_id(), SCX_KICK_PREEMPT);
}

/* A message for the agent was just published (bpf_ringbuf_submit is a full
 * barrier): make sure the agent runs. Only the first message after the
 * agent cleared agent_needed pays for the atomic and the kick. Without
 * @kick (a sync wake-up) the CPU of the waker, about to sleep, runs it; the
 * tick bounds the wait if the waker runs on (scxx_tick). */
static void agent_work_queued(struct task_struct *p, bool kick)
{
	if (READ_ONCE(agent_needed))
		return;
	__sync_lock_test_and_set(&agent_needed, 1);
	if (!READ_ONCE(agent_parked))
		return;
	agent_called();
	if (kick)
		kick_cpu_for_agent(p);
}

/* ops.enqueue of the loop thread when it did not wake up: it yielded, or its
 * slice ended, or it was preempted. Hold it; if it did not yield because it
 * was done, it still has work. */
static void park_agent(struct task_struct *p, struct task_ctx *tctx)
{
	/* Parked is not waiting: its wait is not a scheduling delay. */
	WRITE_ONCE(tctx->wait_since, 0);
	if (!READ_ONCE(agent_idle))
		WRITE_ONCE(agent_needed, 1);
	__sync_lock_test_and_set(&agent_parked, 1);
	/* Work that came while the agent was on its way here found it not
	 * parked yet and kicked nobody. Only an idle CPU: this one is about to
	 * run what the agent decided, and busy ones pass through dispatch
	 * within a slice (the tick bounds it). */
	if (READ_ONCE(agent_needed))
		kick_for(p, -1, 0);
}

/* ops.dispatch: the CPU is giving up the loop thread (@prev); it keeps it
 * when there is work for it, without a context switch. */
static bool keep_agent_running(struct task_struct *prev)
{
	if (!prev || !is_agent_loop(prev) || !(prev->scx.flags & SCX_TASK_QUEUED))
		return false;
	if (!READ_ONCE(agent_needed) && READ_ONCE(agent_idle))
		return false;
	/* Kept here, it is no longer parked: else another CPU could still run
	 * it (run_parked_agent) while it runs here, and if it entered
	 * migrate_disable() meanwhile (a BPF syscall), the kernel would refuse
	 * that CPU's insert and unload scxx (seen on 6.18). When another CPU
	 * took it first, it goes there. */
	if (!__sync_lock_test_and_set(&agent_parked, 0))
		return false;
	set_task_slice(prev, tunables.slice_ns);
	stat_inc(nr_agent_runs);
	agent_answered(bpf_ktime_get_ns());
	return true;
}

/* ops.dispatch: runs the parked agent on this CPU when there is work for it
 * (or elsewhere, if its affinity excludes this CPU). */
static bool run_parked_agent(s32 cpu, struct dispatch_budget *budget)
{
	struct task_struct *p;
	s32 target;

	if (!agent_yield || !READ_ONCE(agent_needed) || !READ_ONCE(agent_parked))
		return false;
	if (!budget_take(budget)) { /* cannot happen: the loops leave the reserve */
		scx_bpf_kick_cpu(cpu, 0);
		return false;
	}
	if (!__sync_lock_test_and_set(&agent_parked, 0))
		return false; /* another CPU took it */
	p = bpf_task_from_pid(READ_ONCE(agent_loop_pid));
	if (!p)
		return false;
	/* Here if it may run here; a thread inside migrate_disable() (preempted
	 * in a BPF syscall) only on its own CPU. */
	target = local_target(p, cpu);
	if (target < 0) { /* affinity changing: try again at the next dispatch */
		WRITE_ONCE(agent_parked, 1);
		bpf_task_release(p);
		return false;
	}
	if (target == cpu) {
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, tunables.slice_ns, 0);
	} else {
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | target, tunables.slice_ns, 0);
		scx_bpf_kick_cpu(target, SCX_KICK_PREEMPT);
	}
	stat_inc(nr_agent_runs);
	bpf_task_release(p);
	return true;
}

/* Heartbeat: a parked agent runs at least once per heartbeat period (the
 * policy may hold tasks for later, and the watchdog would count a parked
 * thread as a stalled task after timeout_ms). */
static void heartbeat_agent(u64 now)
{
	struct task_struct *p;

	if (!READ_ONCE(agent_parked) || now - READ_ONCE(agent_loop_ran_at) <= heartbeat_ns)
		return;
	__sync_lock_test_and_set(&agent_needed, 1);
	p = bpf_task_from_pid(READ_ONCE(agent_loop_pid));
	if (!p)
		return;
	kick_cpu_for_agent(p);
	bpf_task_release(p);
	stat_inc(nr_heartbeat_wakeups);
}
