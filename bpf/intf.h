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

/* Largest CPU count the per-CPU tables (topology, running task) hold. */
#define SCXX_MAX_CPUS 1024

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
/* Tasks BPF can take back from a stalled agent (the "custody" map): the
 * most the agent may hold, its policies' default limit of queued tasks
 * (PolicyLimits::max_queued) and the ring's entries, with room to spare. */
#define SCXX_MAX_CUSTODY 65536

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
	u32 count;    /* messages to produce / dispatch slots of a drain or take-back (0: unlimited) */
	s32 pid_base; /* first pid produced */
	u64 result;   /* out: messages produced / drained */
	u64 no_wakeup; /* produce: submit with BPF_RB_NO_WAKEUP */
};

/* ---- Settings that change while scxx runs (.bss "tunables") -------------
 * Written by user space before load and again whenever the control plane
 * changes them; BPF reads each where it uses it. */
struct scxx_tunables {
	u64 slice_ns;         /* default slice of a decision with slice 0 */
	u64 slice_min_ns;     /* shortest slice (kernel mode, refills) */
	/* Wakeup preemption needs the waker's key to be earlier by more than
	 * this (one minimum slice). Peers with similar deadlines (hackbench)
	 * then do not preempt each other all the time, while a task that ran
	 * little since waking still preempts a CPU hog. */
	u64 wakeup_margin_ns;
	u64 max_run_ns;       /* tick watchdog, 0 = off */
	/* Liveness invariant: a runnable task waiting longer than this is
	 * counted and recorded (struct scxx_wait_record). */
	u64 stall_bound_ns;
	/* A task that waited longer than this in one of scxx's DSQs is moved to
	 * a CPU's local DSQ by the heartbeat scan (0: off). */
	u64 starvation_ns;
	/* The agent is stalled when it made no progress (agent_steps) for this
	 * long while work waited for it (agent_fallback.bpf.h). 0: never. */
	u64 agent_timeout_ns;
	/* User mode: a waking task that finds an idle CPU runs there without
	 * the agent, while the agent holds nothing and the shared DSQ is empty
	 * (the policy allows it: Policy::allows_fast_path). */
	u32 fast_path;
	u32 pad;
};

/* ---- Waits, as histograms (per-CPU map "wait_hist") -----------------------
 * Bucket i counts waits from runnable to running of [2^i, 2^(i+1))
 * microseconds; the first also shorter ones, the last also longer ones.
 * Entry SCXX_WAIT_ALL counts every wait. A wake-up the agent decided (the
 * wait a latency probe measures) is also split in two: until its decision
 * was carried out (the agent's wake-up, its queue and the round trip) and
 * from then until the task ran (its turn in a DSQ), so a slow tail says
 * which side it comes from. */
#define SCXX_WAIT_BUCKETS 24
enum scxx_wait_phase {
	SCXX_WAIT_ALL = 0,
	SCXX_WAIT_TO_DECISION = 1,
	SCXX_WAIT_AFTER_DECISION = 2,
	SCXX_WAIT_PHASES = 3,
};
struct scxx_wait_hist {
	u64 buckets[SCXX_WAIT_BUCKETS];
};

/* ---- Statistics: one list, read by BPF, the agent and `scxx monitor` -----
 * X(name, label, where, kind, description)
 *   name   the field, in struct scxx_cpu_stats or struct scxx_shared_stats
 *   label  its key in the stats line (`scxx run --stats`, `scxx monitor`)
 *   where  CPU: per-CPU storage bumped on the hot path without atomics,
 *               summed over CPUs when read;
 *          SHARED: one global in .bss, for values BPF itself reads back or
 *               the agent writes
 *   kind   COUNT: only grows (the monitor shows it per interval);
 *          LEVEL: a current value; MAX_NS: a maximum in ns (shown in ms);
 *          SUM_NS: a total of ns that only grows (shown in us per interval)
 * The C++ side builds SchedulerStats and its descriptions from this list
 * (src/core/scheduler_stats.h); nothing else lists the counters. */
#define SCXX_STATS(X)                                                                              \
	X(nr_queued, queued, CPU, COUNT, "tasks sent to the agent")                               \
	X(nr_user_dispatches, user, CPU, COUNT, "decisions of the agent carried out")             \
	X(nr_kernel_dispatches, kernel, CPU, COUNT,                                                \
	  "tasks placed by BPF without the agent (agent threads, kernel helpers, kernel mode)")     \
	X(nr_fast_path, fast, CPU, COUNT,                                                          \
	  "waking tasks BPF placed on an idle CPU without the agent (the fast path)")               \
	X(nr_priority_dispatches, urgent, CPU, COUNT,                                              \
	  "tasks of urgent strategies (priority 11..20) placed by BPF")                             \
	X(nr_group_boosts, group_boosts, CPU, COUNT,                                               \
	  "enqueues boosted by their process's or cgroup's entry (a thread not scanned yet)")       \
	X(nr_cancel_dispatches, cancelled, CPU, COUNT,                                             \
	  "stale decisions dropped or cancelled (the task was enqueued again since)")               \
	X(nr_bounce_dispatches, bounced, CPU, COUNT,                                               \
	  "decisions for a CPU the task may not use, sent to the shared queue")                     \
	X(nr_failed_dispatches, failed, CPU, COUNT, "malformed decisions or unknown pids")        \
	X(nr_sched_congested, congested, CPU, COUNT,                                               \
	  "tasks sent to the shared queue because the ring to the agent was full")                  \
	X(nr_scheduled, held, SHARED, LEVEL, "tasks the agent holds (written by the agent)")      \
	X(nr_running, running, CPU, LEVEL, "tasks running right now")                             \
	X(nr_heartbeat_wakeups, heartbeats, CPU, COUNT, "agent woken by the heartbeat timer")      \
	X(nr_exit_notifications, exits, CPU, COUNT, "task-exited messages sent to the agent")      \
	X(nr_watchdog_preemptions, watchdog, CPU, COUNT,                                           \
	  "tasks preempted by the tick watchdog for running past max_run while others waited")      \
	X(nr_wakeup_preemptions, wakeup_preempt, CPU, COUNT,                                       \
	  "running tasks preempted by a waking task with an earlier deadline")                      \
	X(nr_idle_kicks, idle_kicks, CPU, COUNT,                                                   \
	  "CPUs kicked on going idle so they pick up waiting decisions")                            \
	X(nr_tick_drains, tick_drains, CPU, COUNT,                                                 \
	  "slices ended at a tick so waiting decisions are picked up")                              \
	X(nr_dispatch_submitted, submitted, SHARED, COUNT, "decisions the agent submitted")       \
	X(nr_dispatch_consumed, consumed, SHARED, COUNT,                                           \
	  "decisions read by BPF, whatever became of them")                                         \
	X(nr_dispatch_full, dispatch_full, SHARED, COUNT,                                          \
	  "decisions the agent had to retry because the ring to BPF was full")                      \
	X(nr_missed_wakeups, missed_wakeups, SHARED, COUNT,                                        \
	  "agent sleeps that timed out although messages were waiting")                            \
	X(nr_spin_wakeups, spin_wakeups, SHARED, COUNT,                                            \
	  "times the agent found work while polling before sleep (--agent-spin-us)")                \
	X(nr_agent_runs, agent_runs, CPU, COUNT,                                                   \
	  "times BPF ran the parked agent because tasks were queued (agent_wakeup yield)")          \
	X(nr_agent_wakes, agent_wakes, CPU, COUNT,                                                 \
	  "times work was queued for an idle agent (parked or asleep) and it then ran")             \
	X(agent_wake_ns, agent_wake_us, CPU, SUM_NS,                                               \
	  "sum of those delays: agent_wake_us / agent_wakes is the cost of one wake-up")            \
	X(nr_policy_overflow, overflow, SHARED, LEVEL,                                             \
	  "tasks the policy had no room for, placed by the agent loop instead (size the storage)")  \
	X(nr_agent_stalls, agent_stalls, CPU, COUNT,                                               \
	  "times the agent made no progress for agent_timeout with work waiting: BPF took over")    \
	X(nr_fallback_dispatches, fallback, CPU, COUNT,                                            \
	  "tasks BPF placed itself while the agent was stalled (taken back from it, or new)")       \
	X(nr_custody_full, custody_full, CPU, COUNT,                                               \
	  "tasks sent to the agent that BPF could not record for a take-back (must stay 0)")        \
	X(nr_long_waits, long_waits, CPU, COUNT,                                                   \
	  "tasks that waited longer than the stall bound to run")                                   \
	X(nr_stalled_seen, stalled_seen, CPU, COUNT,                                               \
	  "of those, tasks the periodic scan saw still waiting")                                    \
	X(max_wait_ns, max_wait, SHARED, MAX_NS, "longest wait of any task from runnable to running") \
	X(nr_starvation_moves, starved, CPU, COUNT,                                                \
	  "tasks moved to a CPU's local queue after waiting past the starvation bound")             \
	X(nr_online_cpus, cpus, SHARED, LEVEL, "CPUs online when the scheduler started")

/* Field of the per-CPU or the shared struct, chosen by `where`. */
#define SCXX_STAT_FIELD_CPU_CPU(name) u64 name;
#define SCXX_STAT_FIELD_CPU_SHARED(name)
#define SCXX_STAT_FIELD_SHARED_CPU(name)
#define SCXX_STAT_FIELD_SHARED_SHARED(name) u64 name;
#define SCXX_STAT_CPU_FIELD(name, label, where, kind, desc) SCXX_STAT_FIELD_CPU_##where(name)
#define SCXX_STAT_SHARED_FIELD(name, label, where, kind, desc) SCXX_STAT_FIELD_SHARED_##where(name)

/* Per-CPU counters (map "cpu_stats", one element per CPU). */
struct scxx_cpu_stats {
	SCXX_STATS(SCXX_STAT_CPU_FIELD)
};

/* Shared values (.bss "shared_stats"). */
struct scxx_shared_stats {
	SCXX_STATS(SCXX_STAT_SHARED_FIELD)
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

/* Value of the "task_boosts" hash map, keyed by pid (thread id). A pid is
 * reused once its thread exits, so an entry also names the thread by its
 * start time as /proc/<pid>/task/<tid>/stat gives it (field 22: clock ticks
 * since boot, from task_struct.start_boottime); BPF applies the entry only
 * to the task that started then (lookup_boost in scxx_state.bpf.h). */
struct scxx_task_boost {
	u32 priority; /* 0..SCXX_PRIO_MAX */
	u32 pad;
	u64 slice_ns;    /* 0: the policy's slice */
	u64 start_ticks; /* the thread's start, in USER_HZ ticks since boot */
};

/* A new thread has no task_boosts entry until the agent's next scan. Rules
 * that the kernel can resolve for it are also written by process and by
 * cgroup, and BPF looks there when the thread has no entry of its own:
 *  "process_boosts": tgid -> boost, for rules that select whole processes;
 *                    start_ticks is the group leader's start time, so a
 *                    reused process id gets nothing;
 *  "cgroup_boosts":  cgroup id (the cgroup v2 directory's inode number) ->
 *                    boost, for rules that select by cgroup path alone;
 *                    start_ticks is unused (cgroup ids are not reused).
 * The higher priority of the two applies. */
#define SCXX_MAX_BOOSTED_GROUPS 4096

/* Argument of the SYSCALL program scxx_test_boost (boost_test.bpf.h). */
struct scxx_boost_test_arg {
	s32 pid;      /* thread to look up */
	u32 found;    /* out: 1 when the boost applies to it */
	u32 priority; /* out: its priority */
	u32 pad;
};
