/* channel_test.bpf.h: the channel self-test SYSCALL programs
 * scxx_test_produce and scxx_test_drain, which drive both rings without
 * sched_ext, for the host-bpf tests and the channel benchmark. scxx.bpf.c
 * includes it once, last, after the callbacks: for the order of the
 * skeleton's programs, see agent_select_cpu.bpf.h. */
#pragma once

#include "channel.bpf.h"

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
		stat_inc(nr_queued);
		produced++;
	}
	arg->result = produced;
	return 0;
}

/* The scheduler's own budgeted loops (dispatch_budget.bpf.h) with a
 * recording action: arg->count is the number of dispatch slots the call
 * pretends to have (0: unlimited), SCXX_DISPATCH_RESERVE of them kept. */
struct test_drain_ctx {
	u64 valid;
	struct dispatch_budget budget;
};

static __always_inline void test_record_decision(const struct scxx_dispatched_task *m,
						 struct test_drain_ctx *c)
{
	u64 idx = test_nr_drained % TEST_RECORD;

	if (idx < TEST_RECORD)
		test_drained[idx] = *m;
	test_nr_drained++;
	c->valid++;
}

DEFINE_BUDGETED_DRAIN(test_drain_cb, struct test_drain_ctx, test_record_decision)

static __always_inline struct dispatch_budget test_budget(u32 slots)
{
	struct dispatch_budget b = {.left = slots ? slots : ~0U};

	return b;
}

SEC("syscall")
int scxx_test_drain(struct scxx_channel_test_arg *arg)
{
	struct test_drain_ctx c = {.budget = test_budget(arg->count)};
	long n = 0;

	if (budget_allows_loop(&c.budget))
		n = bpf_user_ringbuf_drain(&dispatched, test_drain_cb, &c, BPF_RB_NO_WAKEUP);
	arg->result = c.valid;
	return n < 0 ? (int)n : 0;
}

/* The take-back walk over "custody": each entry handed over is counted and
 * its pid added to test_taken_pid_sum (every entry exactly once). */
u64 test_taken_pid_sum;

struct test_take_back_ctx {
	struct dispatch_budget budget;
	bool more;
	u64 taken;
};

static __always_inline void test_take_back(s32 pid, u64 gen, struct test_take_back_ctx *c)
{
	test_taken_pid_sum += (u64)pid;
	c->taken++;
}

DEFINE_BUDGETED_CUSTODY_WALK(test_take_back_one, struct test_take_back_ctx, test_take_back)

SEC("syscall")
int scxx_test_take_back(struct scxx_channel_test_arg *arg)
{
	struct test_take_back_ctx c = {.budget = test_budget(arg->count)};

	if (budget_allows_loop(&c.budget))
		bpf_for_each_map_elem(&custody, test_take_back_one, &c, 0);
	arg->result = c.taken;
	return 0;
}
