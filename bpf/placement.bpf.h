/* placement.bpf.h: where a task goes when it does not simply follow the
 * agent's decision, in both modes: wakeup preemption of a CPU running a
 * later key (preempt_if_earlier, protocol point 10 in scxx.bpf.c), urgent
 * strategy priorities placed straight onto a CPU's local DSQ (place_urgent,
 * point 7), and ops.dispatch's choice between this CPU's DSQ and the shared
 * one (consume_earliest). The agent's select_cpu SYSCALL program is in
 * agent_select_cpu.bpf.h, which scxx.bpf.c includes after the callbacks (see
 * there why). Included once, by scxx.bpf.c. */
#pragma once

#include "liveness.bpf.h"

/* Wakeup preemption: @p woke up and found no idle CPU; if its key is
 * earlier than that of the task running on its last CPU, preempt that one
 * so @p does not wait out a whole slice (what EEVDF does on wakeup). The
 * same when that one is past the end of its slice: the kernel ends a slice
 * only at a tick, up to a tick later (EEVDF gives a new deadline, and so
 * the CPU, at the wakeup). Agent and kernel threads carry no key: never. */
static void preempt_if_earlier(struct task_struct *p, u64 key)
{
	s32 cpu = scx_bpf_task_cpu(p);
	u64 running;

	if (cpu < 0 || cpu >= SCXX_MAX_CPUS || !bpf_cpumask_test_cpu(cpu, p->cpus_ptr))
		return;
	running = running_key[cpu & (SCXX_MAX_CPUS - 1)];
	if (running && (vtime_before(key + tunables.wakeup_margin_ns, running) ||
			(s64)(bpf_ktime_get_ns() - running_slice_end[cpu & (SCXX_MAX_CPUS - 1)]) > 0)) {
		scx_bpf_kick_cpu(cpu, SCX_KICK_PREEMPT);
		stat_inc(nr_wakeup_preemptions);
	}
}

/* Urgent strategy priorities: onto a CPU's local DSQ, at its head, or
 * preempting what runs there unless that is at least as urgent. */
static void place_urgent(struct task_struct *p, struct task_ctx *tctx,
			 const struct scxx_task_boost *b, u64 enq_flags)
{
	s32 cpu = scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
	u64 slice = b->slice_ns ? b->slice_ns : tunables.slice_ns;
	u64 flags = SCX_ENQ_HEAD;

	if (cpu < 0 || is_migration_disabled(p))
		cpu = scx_bpf_task_cpu(p);
	if (b->priority >= SCXX_PRIO_PREEMPT_MIN && cpu < SCXX_MAX_CPUS &&
	    running_priority[cpu & (SCXX_MAX_CPUS - 1)] < b->priority)
		flags = SCX_ENQ_PREEMPT;
	note_insert(tctx, local_dsq_of(cpu), 0);
	scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL_ON | cpu, slice, enq_flags | flags);
	stat_inc(nr_priority_dispatches);
	scx_bpf_kick_cpu(cpu, flags == SCX_ENQ_PREEMPT ? SCX_KICK_PREEMPT : SCX_KICK_IDLE);
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
