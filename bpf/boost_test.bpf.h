/* boost_test.bpf.h: the SYSCALL program scxx_test_boost, which looks up a
 * pid's strategy boost exactly as the callbacks do (lookup_boost), so the
 * host-bpf tests can check the start-time match against /proc without
 * sched_ext. scxx.bpf.c includes it once, last: for the order of the
 * skeleton's programs, see agent_select_cpu.bpf.h. */
#pragma once

#include "scxx_state.bpf.h"

SEC("syscall")
int scxx_test_boost(struct scxx_boost_test_arg *arg)
{
	struct task_struct *p = bpf_task_from_pid(arg->pid);
	const struct scxx_task_boost *b;

	if (!p)
		return -ESRCH;
	b = lookup_boost(p);
	arg->found = b != NULL;
	arg->priority = b ? b->priority : 0;
	bpf_task_release(p);
	return 0;
}
