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
