/* Shared by every scxx BPF program: includes, the struct_ops macro, exit
 * info recording and kfunc compatibility helpers. */
#pragma once

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "intf.h"

#define SCXX_OPS(name, args...) SEC("struct_ops/" #name) BPF_PROG(name, ##args)
#define SCXX_OPS_SLEEPABLE(name, args...) SEC("struct_ops.s/" #name) BPF_PROG(name, ##args)

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

/* errno values and clock ids (uapi headers do not mix with vmlinux.h). */
#define ENOENT 2
#define ESRCH 3
#define ENOMEM 12
#define EBUSY 16
#define EINVAL 22
#define EOPNOTSUPP 95
#define CLOCK_MONOTONIC 1

/* scxx_error("fmt", args...): abort the scheduler with a formatted reason
 * (the kernel then unloads it and user space reads the message). */
#define scxx_error(fmt, args...)                                                   \
	({                                                                         \
		static char ___fmt[] = fmt;                                        \
		unsigned long long ___param[___bpf_narg(args)];                    \
		_Pragma("GCC diagnostic push")                                     \
		_Pragma("GCC diagnostic ignored \"-Wint-conversion\"")             \
		___bpf_fill(___param, args);                                       \
		_Pragma("GCC diagnostic pop")                                      \
		scx_bpf_error_bstr(___fmt, ___param, sizeof(___param));            \
	})

/* The iterator of the innermost bpf_for_each() (libbpf names it ___it), for
 * kfuncs that act on the task being iterated, such as scx_bpf_dsq_move(). */
#define BPF_FOR_EACH_ITER (&___it)

#define READ_ONCE(x) (*(volatile typeof(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

/* Copies the kernel's exit record into @out so user space can print why the
 * scheduler stopped after the struct_ops link is gone. */
static __always_inline void scxx_record_exit(struct scxx_exit_info *out,
                                             const struct scx_exit_info *ei)
{
	out->kind = ei->kind;
	out->exit_code = ei->exit_code;
	bpf_probe_read_kernel_str(out->reason, sizeof(out->reason), ei->reason);
	bpf_probe_read_kernel_str(out->msg, sizeof(out->msg), ei->msg);
	/* BPF has no fence; a compiler barrier orders the stores as user space
	 * only reads valid after the link is gone. */
	asm volatile("" ::: "memory");
	out->valid = 1;
}

/* ---- what differs between the kernels scxx supports (docs/KERNELS.md) ----
 * One BPF object loads on all of them: a kfunc a kernel lacks is left out by
 * bpf_ksym_exists(), which the verifier resolves at load time, so the
 * branch not taken is never verified. */

/* A task's slice and virtual time: through the kfuncs where the kernel has
 * them (6.19 and later; 7.2 warns about direct writes), else written
 * directly (6.18). */
static __always_inline void set_task_slice(struct task_struct *p, u64 slice)
{
	if (bpf_ksym_exists(scx_bpf_task_set_slice))
		scx_bpf_task_set_slice(p, slice);
	else
		p->scx.slice = slice;
}

static __always_inline void set_task_vtime(struct task_struct *p, u64 vtime)
{
	if (bpf_ksym_exists(scx_bpf_task_set_dsq_vtime))
		scx_bpf_task_set_dsq_vtime(p, vtime);
	else
		p->scx.dsq_vtime = vtime;
}

/* A task inside migrate_disable() must not be put on another CPU's local
 * DSQ (the kernel unloads the scheduler: "cannot move migration disabled").
 * BPF programs themselves run with migration disabled, so the task running
 * this program counts one more than its own. */
static __always_inline bool is_migration_disabled(const struct task_struct *p)
{
	u16 n;

	if (!bpf_core_field_exists(p->migration_disabled))
		return false;
	n = BPF_CORE_READ(p, migration_disabled);
	if (n == 1)
		return p != (const struct task_struct *)bpf_get_current_task_btf();
	return n > 1;
}

static __always_inline bool vtime_before(u64 a, u64 b)
{
	return (s64)(a - b) < 0;
}
