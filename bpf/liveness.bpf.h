/* liveness.bpf.h: how long runnable tasks wait, and the bound scxx puts on
 * it (protocol point 12 in scxx.bpf.c). start_wait() and note_insert() note
 * when and where a task starts to wait, end_wait() measures the wait in
 * ops.running and records one past stall_bound_ns, and the heartbeat's
 * scan_waiting_tasks() walks scxx's DSQs to report a stall before the
 * kernel's watchdog acts and to move a task waiting past starvation_ns onto
 * a CPU (move_starving). They live together because the stamps, the record
 * and the scan must agree on what a wait is; see "Bounded waits" in
 * docs/ARCHITECTURE.md. Included once, by scxx.bpf.c. */
#pragma once

#include "scxx_state.bpf.h"

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

/* The longest wait since the agent last reset it to 0 (it measures the
 * waits after a policy switch). */
u64 max_wait_since_ns;

/* floor(log2(v)) for v > 0, without a loop the verifier has to follow. */
static __always_inline u32 log2_u64(u64 v)
{
	u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1)
		r += 1;
	return r;
}

/* One more wait in this CPU's histogram @phase (bpf/intf.h, "wait_hist"). */
static __always_inline void count_wait(u32 phase, u64 wait_ns)
{
	u64 us = wait_ns / 1000;
	u32 bucket = us ? log2_u64(us) : 0;
	struct scxx_wait_hist *h = bpf_map_lookup_elem(&wait_hist, &phase);

	if (bucket >= SCXX_WAIT_BUCKETS)
		bucket = SCXX_WAIT_BUCKETS - 1;
	if (h)
		h->buckets[bucket]++;
}

/* Raises *max to @v; a few tries against concurrent writers. */
static __always_inline void raise_max(u64 *max, u64 v)
{
	int i;

	for (i = 0; i < 4; i++) {
		u64 cur = READ_ONCE(*max);

		if (v <= cur || __sync_bool_compare_and_swap(max, cur, v))
			break;
	}
}

/* In ops.running: how long did the task wait? */
static void end_wait(struct task_struct *p, struct task_ctx *tctx, u64 now, s32 cpu)
{
	u64 since = READ_ONCE(tctx->wait_since), decided = tctx->decided_at, wait;

	tctx->decided_at = 0;
	if (!since)
		return;
	WRITE_ONCE(tctx->wait_since, 0);
	/* Clocks of two CPUs may disagree by a little: never a negative wait. */
	wait = (s64)(now - since) > 0 ? now - since : 0;
	raise_max(&shared_stats.max_wait_ns, wait);
	raise_max(&max_wait_since_ns, wait);
	count_wait(SCXX_WAIT_ALL, wait);
	if (decided && tctx->woke && (s64)(decided - since) >= 0 && (s64)(now - decided) >= 0) {
		count_wait(SCXX_WAIT_TO_DECISION, decided - since);
		count_wait(SCXX_WAIT_AFTER_DECISION, now - decided);
	}
	if (wait > tunables.stall_bound_ns) {
		stat_inc(nr_long_waits);
		if (!tctx->stall_seen)
			record_long_wait(p, tctx, wait, cpu);
	}
}

/* Moves a starving task from the DSQ being walked to the local DSQ of a
 * CPU it may use, and preempts that CPU: from here it runs within the
 * remainder of that CPU's current slice. */
static bool move_starving(struct bpf_iter_scx_dsq *it, struct task_struct *p)
{
	s32 cpu = local_target(p, scx_bpf_task_cpu(p));

	if (cpu < 0 || !scx_bpf_dsq_move(it, p, SCX_DSQ_LOCAL_ON | cpu, 0))
		return false;
	stat_inc(nr_starvation_moves);
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
		if (waited > (s64)tunables.stall_bound_ns && !tctx->stall_seen) {
			tctx->stall_seen = true;
			stat_inc(nr_stalled_seen);
			record_long_wait(p, tctx, waited, -1);
		}
		if (tunables.starvation_ns && waited > (s64)tunables.starvation_ns && dsq_id != SCXX_AGENT_DSQ)
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
