/* agent_select_cpu.bpf.h: the SYSCALL program scxx_select_cpu, with which
 * the agent asks for an idle CPU (protocol point 4 in scxx.bpf.c), and its
 * search: previous CPU, an SMT sibling, the same LLC, any idle CPU. It
 * belongs with placement.bpf.h by topic but is a header of its own because
 * scxx.bpf.c includes it after struct sched_ext_ops: clang lays out ELF
 * sections in the order their first function is defined and libbpf orders
 * the skeleton's programs by section, so a SYSCALL program defined before
 * the struct_ops callbacks would move scxx_select_cpu and the channel
 * self-test programs to the front of the skeleton's progs and links.
 * Included once, by scxx.bpf.c. */
#pragma once

#include "scxx_state.bpf.h"

/* ---- select_cpu for the agent (SYSCALL program) ------------------------ */
static __always_inline bool cpu_usable(s32 cpu, const struct task_struct *p)
{
	return bpf_cpumask_test_cpu(cpu, p->cpus_ptr) && scx_bpf_test_and_clear_cpu_idle(cpu);
}

static s32 pick_idle_cpu(struct task_struct *p, s32 prev)
{
	s32 nr = scx_bpf_nr_cpu_ids(), cpu;

	if (prev >= 0 && prev < nr && prev < SCXX_MAX_CPUS) {
		if (cpu_usable(prev, p))
			return prev;
		bpf_for(cpu, 0, nr) /* SMT siblings of prev */
		{
			if (cpu >= SCXX_MAX_CPUS)
				break;
			if (cpu != prev && cpu_core_id[cpu] == cpu_core_id[prev] && cpu_usable(cpu, p))
				return cpu;
		}
		bpf_for(cpu, 0, nr) /* same last-level cache */
		{
			if (cpu >= SCXX_MAX_CPUS)
				break;
			if (cpu != prev && cpu_llc_id[cpu] == cpu_llc_id[prev] && cpu_usable(cpu, p))
				return cpu;
		}
	}
	return scx_bpf_pick_idle_cpu(p->cpus_ptr, 0);
}

SEC("syscall")
int scxx_select_cpu(struct scxx_select_cpu_arg *arg)
{
	struct task_struct *p;
	s32 cpu;

	/* Without sched_ext (e.g. the host-bpf tests) the idle kfuncs are absent. */
	if (!bpf_ksym_exists(scx_bpf_test_and_clear_cpu_idle))
		return -EOPNOTSUPP;
	p = bpf_task_from_pid(arg->pid);
	if (!p)
		return -ESRCH;
	bpf_rcu_read_lock();
	cpu = pick_idle_cpu(p, arg->prev_cpu);
	bpf_rcu_read_unlock();
	bpf_task_release(p);
	/* SCX_KICK_IDLE: wake it only if idle; it may already be busy again. */
	if (cpu >= 0)
		scx_bpf_kick_cpu(cpu, SCX_KICK_IDLE);
	return cpu;
}
