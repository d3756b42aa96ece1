/* Types and constants shared by the BPF programs and the C++ agent. Defined
 * once here; the C++ side static_asserts the sizes (src/core/wire_format.h). */
#pragma once

#ifndef __VMLINUX_H__
#include <stdint.h>
typedef int32_t s32;
typedef uint32_t u32;
typedef int64_t s64;
typedef uint64_t u64;
#endif

#define SCXX_EXIT_REASON_LEN 128
#define SCXX_EXIT_MSG_LEN 1024

/* Why the scheduler stopped, copied from struct scx_exit_info in ops.exit. */
struct scxx_exit_info {
	s32 valid; /* 1 once ops.exit ran */
	s32 kind;  /* enum scx_exit_kind: 64 = unregistered, 1024+ = error */
	s64 exit_code;
	char reason[SCXX_EXIT_REASON_LEN];
	char msg[SCXX_EXIT_MSG_LEN];
};

/* ---- The user-space scheduling channel (bpf/scxx.bpf.c) ------------------ */

/* Entries each ring holds; the byte sizes below round up to a power of two. */
#define SCXX_RING_ENTRIES 4096UL
#define SCXX_QUEUED_RING_BYTES (SCXX_RING_ENTRIES * 128UL)
#define SCXX_DISPATCHED_RING_BYTES (SCXX_RING_ENTRIES * 64UL)
#define SCXX_DISPATCH_BATCH 512

/* DSQ ids: 0..nr_cpu_ids-1 are the per-CPU DSQs. */
#define SCXX_SHARED_DSQ (1ULL << 24)
#define SCXX_AGENT_DSQ ((1ULL << 24) + 1)

/* scxx_dispatched_task.cpu value meaning "any CPU the task may use". */
#define SCXX_CPU_ANY (-1)

/* scxx_queued_task.flags */
#define SCXX_QF_WAKEUP (1ULL << 0)    /* runnable because it woke up */
#define SCXX_QF_EXITING (1ULL << 1)   /* notification: the task exited */
#define SCXX_QF_HEARTBEAT (1ULL << 2) /* not a task: wake-up for the agent */

/* scxx_dispatched_task.flags */
#define SCXX_DF_PREEMPT (1ULL << 0) /* preempt what runs on the target CPU */
#define SCXX_DF_HEAD (1ULL << 1)    /* queue at the head */

/* kernel -> agent, one per runnable task (ring buffer "queued"). */
struct scxx_queued_task {
	s32 pid;
	s32 tgid;
	s32 cpu;             /* CPU chosen by ops.select_cpu, or last CPU */
	u32 nr_cpus_allowed;
	u64 flags;           /* SCXX_QF_* */
	u64 start_ts;        /* ns: last time it started running */
	u64 stop_ts;         /* ns: last time it stopped running */
	u64 exec_runtime;    /* ns run since it last became runnable after sleep */
	u64 weight;          /* 1..10000, 100 = nice 0 */
	u64 vtime;           /* p->scx.dsq_vtime */
	u64 enq_cnt;         /* enqueue generation; echoed back in the decision */
	char comm[16];
	u32 priority;        /* strategy priority (see "Priority strategies") */
	u32 pad;
	u64 boost_slice_ns;  /* strategy slice, 0 = none */
};

/* agent -> kernel, one per decision (user ring buffer "dispatched"). */
struct scxx_dispatched_task {
	s32 pid;
	s32 cpu;       /* target CPU or SCXX_CPU_ANY */
	u64 flags;     /* SCXX_DF_* */
	u64 slice_ns;  /* 0: default slice */
	u64 vtime;     /* order within the target DSQ */
	u64 enq_cnt;   /* from the queued message; stale ones are cancelled */
};

/* Argument of the SYSCALL program scxx_select_cpu (BPF_PROG_TEST_RUN with
 * ctx_in and ctx_size_in = sizeof(struct scxx_select_cpu_arg)). */
struct scxx_select_cpu_arg {
	s32 pid;
	s32 prev_cpu;
	u64 flags;
};

/* Argument of the SYSCALL programs used by tests and benchmarks to drive the
 * channel without sched_ext (see "channel self-test" in scxx.bpf.c). */
struct scxx_channel_test_arg {
	u32 count;    /* messages to produce / max to drain */
	s32 pid_base; /* first pid produced */
	u64 result;   /* out: messages produced / drained */
	u64 no_wakeup; /* produce: submit with BPF_RB_NO_WAKEUP */
};

/* ---- Liveness: how long runnable tasks wait ------------------------------
 * Every runnable task is stamped when it starts to wait (ops.runnable, or
 * ops.stopping while still runnable). ops.running measures the wait; a
 * periodic scan of scxx's DSQs finds tasks still waiting. A wait longer than
 * the stall bound is counted and recorded (struct scxx_wait_record), so a
 * stall names itself (which DSQ, which CPUs) before the kernel's watchdog
 * unloads the scheduler. */
/* scxx_wait_record.dsq: not in any DSQ, the agent holds the task. */
#define SCXX_WAIT_IN_AGENT (~0ULL)
/* scxx_wait_record.dsq: a CPU's local DSQ (this bit | cpu). */
#define SCXX_WAIT_LOCAL_FLAG (1ULL << 62)

struct scxx_wait_record {
	s32 pid;
	s32 wait_cpu;  /* CPU the task was on when it started to wait */
	s32 run_cpu;   /* CPU that finally ran it, -1: still waiting when seen */
	u32 woke;      /* 1: it waited after a wake-up, 0: after a slice */
	u64 dsq;       /* last DSQ it was inserted into, or SCXX_WAIT_IN_AGENT */
	u64 wait_ns;   /* how long it had waited */
	u64 key;       /* DSQ key (deadline) it was inserted with */
	u64 clock;     /* the queue's virtual clock at the time (kernel mode) */
	u64 dsq_depth; /* tasks in that DSQ at the time, when known */
	char comm[16];
};

/* ---- Priority strategies (one scale in user mode and kernel mode) -------
 * 0        no boost (the default for every task)
 * 1..10    fairness boost: the task's virtual time advances
 *          (100 - 5 * priority)% as fast (95% .. 50%), so it gets a larger
 *          share of the CPU than equal competitors
 * 11..15   urgent: queued at the head of its CPU's local queue
 * 16..20   urgent and preemptive: preempts the task running on the target
 * Higher always means more. */
#define SCXX_PRIO_NONE 0
#define SCXX_PRIO_CUT_MAX 10
#define SCXX_PRIO_HEAD_MIN 11
#define SCXX_PRIO_PREEMPT_MIN 16
#define SCXX_PRIO_MAX 20
#define SCXX_MAX_BOOSTED_TASKS 65536

/* Value of the "task_boosts" hash map, keyed by pid (thread id). */
struct scxx_task_boost {
	u32 priority; /* 0..SCXX_PRIO_MAX */
	u32 pad;
	u64 slice_ns; /* 0: the policy's slice */
};
