/* kernel_mode.bpf.h: the policy of kernel mode (kernel_mode = true, protocol
 * point 8 in scxx.bpf.c), decided in BPF without the agent:
 * kernel_mode_enqueue() orders tasks by deadline on the shared DSQ and
 * bounds how far a key may lie from the clock (its comment explains why
 * that bounds every wait). The rest of kernel mode is the clock kept by the
 * callbacks in scxx.bpf.c: ops.running advances vtime_now, ops.stopping
 * charges tctx->vtime, ops.enable starts a task at the clock. Included
 * once, by scxx.bpf.c. */
#pragma once

#include "placement.bpf.h"

/* Kernel mode: the deadline policy decided in BPF. */
static void kernel_mode_enqueue(struct task_struct *p, struct task_ctx *tctx,
				const struct scxx_task_boost *b, u64 enq_flags)
{
	u64 weight = boosted_weight(p, b);
	u64 vtime = tctx->vtime, deadline, slice, vslice, waiting, awake;
	s32 cpu = scx_bpf_task_cpu(p);

	/* Slices shrink as more tasks wait, scaled by weight. */
	waiting = scx_bpf_dsq_nr_queued(SCXX_SHARED_DSQ) + 1;
	slice = tunables.slice_ns * weight / 100 / waiting;
	if (slice < tunables.slice_min_ns)
		slice = tunables.slice_min_ns;
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
	stat_inc(nr_kernel_dispatches);
}
