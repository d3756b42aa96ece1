/* channel.bpf.h: the BPF end of the two rings to the agent (protocol points
 * 1 to 3 and 11 in scxx.bpf.c). reserve_queued() and send_queued() build the
 * queued-task message in ops.enqueue and send it, waking the agent only when
 * it sleeps; read_dispatch_msg(), dispatch_task() and drain_dispatched_cb()
 * validate and carry out the agent's decisions in ops.dispatch. The channel
 * self-test programs (channel_test.bpf.h) use reserve_queued() and
 * read_dispatch_msg() too, so accounting and validation are the same code.
 * Included once, by scxx.bpf.c. */
#pragma once

#include "placement.bpf.h"
#include "dispatch_budget.bpf.h"

static struct scxx_queued_task *reserve_queued(void)
{
	struct scxx_queued_task *m = bpf_ringbuf_reserve(&queued, sizeof(*m), 0);

	if (!m)
		stat_inc(nr_sched_congested);
	return m;
}

/* Fills the queued-task message @m (from reserve_queued()) for @p and sends
 * it to the agent: ops.enqueue's path when the ring has room. */
static __always_inline void send_queued(struct scxx_queued_task *m, struct task_struct *p,
					struct task_ctx *tctx, const struct scxx_task_boost *boost,
					s32 cpu, u64 enq_flags)
{
	bool wake;

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
	 * quiet record left there (an exit notification) would swallow it.
	 * With agent_yield the agent never sleeps on the ring: ops.enqueue
	 * wakes it afterwards (agent_wakeup.bpf.h). */
	wake = !agent_yield && __sync_lock_test_and_set(&agent_sleeping, 0);
	if (wake)
		agent_called();
	bpf_ringbuf_submit(m, wake ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
	stat_inc(nr_queued);
}

/* Reads and validates one decision; a malformed one is counted and skipped. */
static int read_dispatch_msg(struct bpf_dynptr *dynptr, struct scxx_dispatched_task *m)
{
	__sync_fetch_and_add(&shared_stats.nr_dispatch_consumed, 1);
	if (bpf_dynptr_size(dynptr) != sizeof(*m) || bpf_dynptr_read(m, sizeof(*m), dynptr, 0, 0) ||
	    m->pid <= 0 || m->cpu < SCXX_CPU_ANY || m->cpu >= SCXX_MAX_CPUS) {
		stat_inc(nr_failed_dispatches);
		return -EINVAL;
	}
	return 0;
}

/* What ops.dispatch tells the drain about the CPU it runs on. */
struct drain_ctx {
	s32 cpu;
	/* This CPU takes a task from the shared DSQ right after the drain (the
	 * agent just gave it up): the first "any CPU" decision needs no kick. */
	bool takes_one;
	/* When the drain carried out its first decision, the time of all of
	 * them: one clock read per drain, not per decision. 0 until then. */
	u64 now;
	/* What this ops.dispatch may still insert (dispatch_budget.bpf.h). */
	struct dispatch_budget budget;
};

/* Carries out one decision of the agent (inside ops.dispatch). */
static void dispatch_task(const struct scxx_dispatched_task *m, struct drain_ctx *dc)
{
	s32 this_cpu = dc->cpu;
	u64 slice = m->slice_ns ? m->slice_ns : tunables.slice_ns;
	u64 enq_flags = 0, dsq;
	struct task_struct *p;
	struct task_ctx *tctx;
	s32 cpu = m->cpu;

	p = bpf_task_from_pid(m->pid);
	if (!p) {
		stat_inc(nr_failed_dispatches);
		return;
	}
	tctx = lookup_task_ctx(p);
	if (!tctx) {
		stat_inc(nr_failed_dispatches);
		goto out;
	}
	if (tctx->enq_cnt != m->enq_cnt) { /* re-enqueued since: a newer message exists */
		stat_inc(nr_cancel_dispatches);
		goto out;
	}
	if (cpu != SCXX_CPU_ANY &&
	    (cpu >= scx_bpf_nr_cpu_ids() || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr))) {
		stat_inc(nr_bounce_dispatches);
		cpu = SCXX_CPU_ANY;
	}

	if (m->flags & (SCXX_DF_PREEMPT | SCXX_DF_HEAD)) {
		/* Local DSQs are FIFO: urgent tasks go there directly. */
		if (cpu == SCXX_CPU_ANY)
			cpu = scx_bpf_task_cpu(p);
		if (!bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
			cpu = this_cpu;
		cpu = local_target(p, cpu);
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
		stat_inc(nr_cancel_dispatches);
		goto out;
	}
	stat_inc(nr_user_dispatches);
	if (!dc->now)
		dc->now = bpf_ktime_get_ns();
	tctx->decided_at = dc->now;
	bpf_map_delete_elem(&custody, &m->pid);
	WRITE_ONCE(last_user_key, m->vtime);
	note_insert(tctx, dsq, m->vtime); /* not before: a stale decision must not overwrite */
	if (cpu == SCXX_CPU_ANY) {
		if (dc->takes_one && bpf_cpumask_test_cpu(this_cpu, p->cpus_ptr)) {
			/* This CPU takes the earliest task next, no IPI for an idle
			 * one. That may be another one (a task it just preempted
			 * for the agent), so a woken task still preempts a later
			 * or overdue one on its own CPU: else it waited for a tick. */
			dc->takes_one = false;
			if (tctx->woke)
				preempt_if_earlier(p, m->vtime);
		} else if (!kick_for(p, -1, 0) && tctx->woke) {
			preempt_if_earlier(p, m->vtime);
		}
	} else if (cpu != this_cpu) {
		scx_bpf_kick_cpu(cpu, (m->flags & SCXX_DF_PREEMPT) ? SCX_KICK_PREEMPT : SCX_KICK_IDLE);
	}
out:
	bpf_task_release(p);
}

/* Carries out the agent's decisions while this ops.dispatch has slots. */
DEFINE_BUDGETED_DRAIN(drain_dispatched_cb, struct drain_ctx, dispatch_task)
