/* The comparison channel for bench/channel_bench.cpp: two BPF queue maps,
 * as a one-syscall-per-task design uses them (the agent pops every queued
 * task and pushes every decision with its own bpf() call). The producer and
 * drainer are SYSCALL programs like scxx's channel self-test, so both
 * channels are measured the same way. */
#include "common.bpf.h"

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, SCXX_RING_ENTRIES);
	__type(value, struct scxx_queued_task);
} queued_q SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, SCXX_RING_ENTRIES);
	__type(value, struct scxx_dispatched_task);
} dispatched_q SEC(".maps");

SEC("syscall")
int queue_produce(struct scxx_channel_test_arg *arg)
{
	struct scxx_queued_task m = {};
	u32 i, n = arg->count;
	u64 produced = 0;

	bpf_for(i, 0, n)
	{
		m.pid = arg->pid_base + (s32)i;
		m.tgid = m.pid;
		m.weight = 100;
		m.enq_cnt = i;
		if (!bpf_map_push_elem(&queued_q, &m, 0))
			produced++;
	}
	arg->result = produced;
	return 0;
}

SEC("syscall")
int queue_drain(struct scxx_channel_test_arg *arg)
{
	struct scxx_dispatched_task m;
	u64 drained = 0;
	u32 i;

	bpf_for(i, 0, SCXX_RING_ENTRIES)
	{
		if (bpf_map_pop_elem(&dispatched_q, &m))
			break;
		drained++;
	}
	arg->result = drained;
	return 0;
}
