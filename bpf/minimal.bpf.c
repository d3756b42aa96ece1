/* scxx_minimal: the smallest scheduler scxx ships, decided entirely in BPF.
 *
 * One global DSQ ordered by weighted virtual time (every task's vtime grows
 * by the time it ran, scaled by 100/weight). A waking task that finds an
 * idle CPU goes straight to that CPU's local DSQ; everything else is queued
 * on the global DSQ and pulled by whichever CPU runs dispatch next. It proves
 * the chain (build, load, attach, exit info) end to end and is the baseline
 * the user-space schedulers are compared with.
 */
#include "common.bpf.h"

char _license[] SEC("license") = "GPL";

#define MINIMAL_DSQ 0

const volatile u64 slice_ns = SCX_SLICE_DFL;

static u64 vtime_now;

/* Statistics, read by user space from .bss. */
u64 nr_enqueued, nr_direct_dispatches, nr_dsq_dispatches;
struct scxx_exit_info exit_info;

s32 SCXX_OPS(minimal_select_cpu, struct task_struct *p, s32 prev_cpu, u64 wake_flags)
{
	bool is_idle = false;
	s32 cpu = scx_bpf_select_cpu_dfl(p, prev_cpu, wake_flags, &is_idle);

	if (is_idle) {
		__sync_fetch_and_add(&nr_direct_dispatches, 1);
		scx_bpf_dsq_insert(p, SCX_DSQ_LOCAL, slice_ns, 0);
	}
	return cpu;
}

void SCXX_OPS(minimal_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 vtime = p->scx.dsq_vtime;

	/* A task that slept long gets at most one slice of credit. */
	if (vtime_before(vtime, vtime_now - slice_ns))
		vtime = vtime_now - slice_ns;
	__sync_fetch_and_add(&nr_enqueued, 1);
	scx_bpf_dsq_insert_vtime(p, MINIMAL_DSQ, slice_ns, vtime, enq_flags);
}

void SCXX_OPS(minimal_dispatch, s32 cpu, struct task_struct *prev)
{
	if (scx_bpf_dsq_move_to_local(MINIMAL_DSQ))
		__sync_fetch_and_add(&nr_dsq_dispatches, 1);
}

void SCXX_OPS(minimal_running, struct task_struct *p)
{
	if (vtime_before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;
}

void SCXX_OPS(minimal_stopping, struct task_struct *p, bool runnable)
{
	u64 used = slice_ns - p->scx.slice;

	if (used > slice_ns) /* slice was refilled or set to infinite */
		used = slice_ns;
	set_task_vtime(p, p->scx.dsq_vtime + used * 100 / (p->scx.weight ? p->scx.weight : 100));
}

void SCXX_OPS(minimal_enable, struct task_struct *p)
{
	set_task_vtime(p, vtime_now);
}

s32 SCXX_OPS_SLEEPABLE(minimal_init)
{
	return scx_bpf_create_dsq(MINIMAL_DSQ, -1);
}

void SCXX_OPS(minimal_exit, struct scx_exit_info *ei)
{
	scxx_record_exit(&exit_info, ei);
}

SEC(".struct_ops.link")
struct sched_ext_ops minimal_ops = {
	.select_cpu = (void *)minimal_select_cpu,
	.enqueue = (void *)minimal_enqueue,
	.dispatch = (void *)minimal_dispatch,
	.running = (void *)minimal_running,
	.stopping = (void *)minimal_stopping,
	.enable = (void *)minimal_enable,
	.init = (void *)minimal_init,
	.exit = (void *)minimal_exit,
	.timeout_ms = 5000,
	.name = "scxx_minimal",
};
