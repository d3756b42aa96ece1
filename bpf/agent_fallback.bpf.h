/* agent_fallback.bpf.h: what BPF does when the agent stops answering
 * (SIGSTOP, a debugger, a page fault storm, a policy stuck in a loop);
 * protocol point 15 in scxx.bpf.c.
 *
 * The agent counts its loop iterations in agent_steps. The heartbeat
 * (check_agent_progress) declares it stalled when the count has not moved
 * for agent_timeout_ns while work waited for it: every task it owed a
 * decision would otherwise wait until the kernel's watchdog unloads scxx
 * (5 s). While stalled:
 *   - ops.enqueue places every new task itself with kernel mode's deadline
 *     logic (kernel_mode_enqueue: interactive tasks first, slices that
 *     shrink as the queue grows; the clock it needs is kept in user mode
 *     too). Its keys are smaller than the policy's, so these tasks run
 *     before the ones the agent decided earlier, which the starvation guard
 *     moves ahead after starvation_ns;
 *   - ops.dispatch takes back the tasks the agent holds or has not read yet
 *     (take_back_from_agent) and places them the same way. Each message sent to the agent is recorded in
 *     the "custody" map (pid -> enqueue generation) until its decision is
 *     carried out; taking a task back bumps its generation, so the agent's
 *     decision, if it ever comes, is stale and dropped like any other.
 * The first iteration of the agent after that hands control back: new
 * tasks go to it again. No task is lost either way: a task is placed by
 * BPF or by a current decision, never by both.
 * Included once, by scxx.bpf.c. */
#pragma once

#include "kernel_mode.bpf.h"
#include "dispatch_budget.bpf.h"

/* The agent's progress as the heartbeat last saw it. */
static u64 steps_seen, steps_seen_at;
/* Set at the take-over until one walk of the custody map emptied it: no
 * task enters custody while the agent is stalled, and walking the map's
 * buckets in every ops.dispatch would slow every CPU down. */
static u32 take_back_pending;

/* Records that @p waits for a decision of the agent (after send_queued). */
static __always_inline void custody_add(struct task_struct *p, struct task_ctx *tctx)
{
	s32 pid = p->pid;
	u64 gen = tctx->enq_cnt;

	if (bpf_map_update_elem(&custody, &pid, &gen, BPF_ANY))
		stat_inc(nr_custody_full);
}

static __always_inline void custody_remove(s32 pid)
{
	bpf_map_delete_elem(&custody, &pid);
}

/* At the take-over, the tasks the agent already decided wait in scxx's DSQs
 * under the policy's keys, another unit than BPF's deadlines, so the order
 * between them and BPF's tasks would be arbitrary and some would be left to
 * the starvation guard. Put them on BPF's clock, all at its current value,
 * in the shared DSQ, in the order they were in. */
static void rekey_decided_tasks(u64 dsq_id)
{
	struct task_struct *p;
	u64 key = vtime_now;

	bpf_for_each(scx_dsq, p, dsq_id, 0)
	{
		struct task_ctx *tctx = lookup_task_ctx(p);

		if (tctx)
			note_insert(tctx, SCXX_SHARED_DSQ, key);
		scx_bpf_dsq_move_set_vtime(BPF_FOR_EACH_ITER, key);
		scx_bpf_dsq_move_vtime(BPF_FOR_EACH_ITER, p, SCXX_SHARED_DSQ, 0);
	}
}

/* Heartbeat: hand control back once the agent moves again; take it over
 * when it has not moved for agent_timeout_ns with work waiting. */
static void check_agent_progress(u64 now)
{
	u64 steps = READ_ONCE(agent_steps);

	if (steps != steps_seen || !steps_seen_at) {
		steps_seen = steps;
		steps_seen_at = now;
		if (READ_ONCE(agent_stalled))
			WRITE_ONCE(agent_stalled, 0);
		return;
	}
	if (!agent_has_work()) {
		steps_seen_at = now; /* idle is not stalled */
		return;
	}
	if (tunables.agent_timeout_ns && !READ_ONCE(agent_stalled) && now - steps_seen_at > tunables.agent_timeout_ns) {
		u32 cpu;

		WRITE_ONCE(take_back_pending, 1);
		WRITE_ONCE(agent_stalled, 1);
		stat_inc(nr_agent_stalls);
		/* The shared DSQ too: iterating it skips what is moved into it. */
		bpf_rcu_read_lock();
		rekey_decided_tasks(SCXX_SHARED_DSQ);
		bpf_for(cpu, 0, scx_bpf_nr_cpu_ids())
			rekey_decided_tasks(cpu);
		bpf_rcu_read_unlock();
		/* Idle CPUs dispatch now and take the agent's tasks back; busy
		 * ones do when their slice ends. */
		bpf_for(cpu, 0, scx_bpf_nr_cpu_ids())
			scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
	}
}

/* ops.enqueue while the agent is stalled. */
static void fallback_enqueue(struct task_struct *p, struct task_ctx *tctx,
			     const struct scxx_task_boost *boost, u64 enq_flags)
{
	kernel_mode_enqueue(p, tctx, boost, enq_flags);
	stat_inc(nr_fallback_dispatches);
}

struct take_back_ctx {
	struct dispatch_budget budget;
	bool more; /* stopped for want of slots: entries are left */
};

/* Places the task @pid if it still waits for the decision of generation
 * @gen. */
static __always_inline void take_back_task(s32 pid, u64 gen, struct take_back_ctx *c)
{
	struct task_struct *p = bpf_task_from_pid(pid);
	struct task_ctx *tctx;

	if (!p)
		return;
	tctx = lookup_task_ctx(p);
	if (tctx && tctx->enq_cnt == gen && tctx->wait_dsq == SCXX_WAIT_IN_AGENT) {
		tctx->enq_cnt++; /* the agent's decision, should it come, is stale */
		fallback_enqueue(p, tctx, lookup_boost(p), 0);
	}
	bpf_task_release(p);
}

DEFINE_BUDGETED_CUSTODY_WALK(take_back_one, struct take_back_ctx, take_back_task)

/* ops.dispatch while the agent is stalled: every task it owes a decision
 * is placed by BPF, as many as this dispatch has slots for; the next calls
 * go on where it stopped. The slots it used come off @budget. */
static void take_back_from_agent(struct dispatch_budget *budget)
{
	struct take_back_ctx c = {.budget = *budget};

	if (!READ_ONCE(take_back_pending) || !budget_allows_loop(budget))
		return;
	bpf_for_each_map_elem(&custody, take_back_one, &c, 0);
	*budget = c.budget;
	if (!c.more)
		WRITE_ONCE(take_back_pending, 0);
}
