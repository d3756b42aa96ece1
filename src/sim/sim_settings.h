// Every knob of the simulated machine, each with its default and where the
// default comes from (docs/SIMULATOR.md has the same table). Defaults that
// scxx itself defines are taken from its own headers, so they cannot drift.
#pragma once

#include "core/scheduler_options.h"
#include "policy/policy_config.h"

#include <cstdint>
#include <string>
#include <vector>

namespace scxx::sim {

struct MachineShape {
  int cpus = 4;
  int smt = 1;          // hardware threads per core
  int cpus_per_llc = 0; // 0: one last-level cache for all CPUs
};

// The costs the simulator charges. The defaults were measured in the VM the
// tests and benchmarks use (2 vCPUs, multi-threaded TCG; docs/SIMULATOR.md,
// "Cost model", says how): an emulated machine is slow, so they are tens of
// microseconds where hardware takes a few.
struct CostModel {
  // A sleeping agent's ring wake-up: agent_wake_us / agent_wakes of
  // `scxx run --agent-wakeup ring` with one task runnable at a time (84-98 us).
  uint64_t agent_wakeup_ns = 90 * kNsecPerUsec;
  // Fixed cost of one agent loop iteration, and the cost per queued message
  // handed to the policy and per decision sent: the agent's CPU time per run
  // against tasks per run over the benchmark's workloads (gthulhu, every task
  // through the policy), 46 us per run at 2.0 tasks, 74 us at 3.4.
  uint64_t agent_step_ns = 5 * kNsecPerUsec;
  uint64_t agent_per_task_ns = 20 * kNsecPerUsec;
  // A context switch: the CPU is busy, nobody progresses. Half of one round
  // trip of `perf bench sched pipe` with both tasks on one CPU under EEVDF
  // (about 10,000 round trips/s: two switches each, with their pipe calls).
  uint64_t context_switch_ns = 50 * kNsecPerUsec;
  // What sched_ext's callbacks add to each switch under scxx: the same
  // pinned pipe under `scxx run --kernel-mode` (BPF decides every switch,
  // no agent), less the switch above (scripts/measure-costs.sh: 104.8 us
  // against 78.5 us in one run).
  uint64_t scxx_switch_ns = 25 * kNsecPerUsec;
  // The scheduler tick: CONFIG_HZ=250 in Debian's kernels (fact).
  uint64_t tick_ns = 4 * kNsecPerMsec;
  // Background noise: interrupts and kernel threads steal noise_ns from a
  // CPU on average every noise_interval_ns (exponential gaps). A spinning
  // task alone on an idle guest's CPU saw 2,294 gaps over 20 us in 3 s
  // (one per 1.3 ms), 71 us long on average.
  uint64_t noise_interval_ns = 1300 * kNsecPerUsec;
  uint64_t noise_ns = 70 * kNsecPerUsec;
  // A wake-up onto an idle CPU: from the wake-up until the task runs there,
  // the CPU's way out of its idle loop included. From a timer on that CPU
  // (timer_wakeup_ns), or from a task on another CPU, which sends an IPI
  // (idle_wakeup_ns). Medians measured by scripts/measure-costs.sh (rt-app
  // under perf sched, alike under EEVDF and scxx: 194-204 us, 81-91 us).
  // Each wake-up draws the median x (0.72 + 0.4 E), E exponential with mean
  // 1: p90 at 1.64x the median (measured 1.5-1.9x).
  uint64_t timer_wakeup_ns = 200 * kNsecPerUsec;
  uint64_t idle_wakeup_ns = 85 * kNsecPerUsec;
  // A wake-up that needs the parked agent while every CPU is busy: from the
  // wake-up until the agent runs on the CPU it preempts (sched_ext's wake-up
  // callbacks, the kick, the resched). Median measured by
  // scripts/measure-costs.sh (a timer task beside two hogs under scxx:
  // 361-383 us in two runs), drawn with the spread of the idle wake-ups.
  uint64_t agent_kick_ns = 370 * kNsecPerUsec;
  // A parking agent holds its CPU this long after its step before the CPU
  // runs the next task: the yield, and the kernel's dispatch there (which
  // carries out the agent's decisions). scripts/measure-costs.sh, same
  // workload: the agent's time on a CPU each time it runs (median), less
  // what the model charges for it otherwise, a switch with sched_ext's
  // callbacks and a step with one task in and one decision out (5 + 2 x
  // 20 us): 164, 187, 210 and 259 us in four runs. Yield mode only (the
  // ring's sleep was not measured).
  uint64_t agent_park_ns = 200 * kNsecPerUsec;
  // CPU time a task of a workload file spends each time it reaches an op it
  // may block in (sleep, timer, suspend, barrier, wait, sync): the system call and the
  // program's own work between events. scripts/measure-costs.sh: rt-app
  // tasks running 0.3 and 3 ms every 6 ms used 1.06 us of CPU per us asked
  // plus 191 us per activation, a context switch (charged apart) of it.
  // Not charged to a replayed trace, whose bursts hold it already.
  uint64_t block_cpu_ns = 140 * kNsecPerUsec;
  // rt-app's mem and iorun events: CPU time per MiB written. memset of a
  // 4 MiB buffer on the host (AMD EPYC) ran at 49 GB/s, 1 KB blocks at
  // 74 GB/s: about 21 us per MiB. iorun's writes to /dev/null copy
  // nothing (0.28 us per call); charged as memory writes all the same.
  uint64_t mem_ns_per_mib = 21 * kNsecPerUsec;
  // The agent runs on one of the simulated CPUs (as on a real machine);
  // false gives it a CPU of its own outside the model.
  bool agent_on_cpu = true;
};

// The kernel side of scxx as bpf/scxx.bpf.c configures it (SchedulerOptions
// defaults) plus its ring sizes (bpf/intf.h).
struct ScxxKernelSettings {
  uint64_t slice_ns = SchedulerOptions{}.slice_ns;
  uint64_t slice_min_ns = SchedulerOptions{}.slice_min_ns;
  uint64_t heartbeat_ns = SchedulerOptions{}.heartbeat_ns;
  uint64_t starvation_ns = SchedulerOptions{}.starvation_ns;
  uint64_t max_run_ns = SchedulerOptions{}.max_run_ns;
  // The fast path (scheduler.fast_path): "policy" (as the policy declares,
  // Policy::allows_fast_path), "on" or "off".
  std::string fast_path = "policy";
  // How the agent waits (scheduler.agent_wakeup): "yield" (parked in BPF,
  // run by the next ops.dispatch; bpf/agent_wakeup.bpf.h) or "ring"
  // (sleeps on the ring, woken by a notification after --agent-wakeup-us).
  std::string agent_wakeup = SchedulerOptions{}.agent_yield ? "yield" : "ring";
  size_t ring_entries = 4096;  // SCXX_RING_ENTRIES, each of the two rings
  size_t dispatch_batch = 512; // SCXX_DISPATCH_BATCH, decisions per ops.dispatch
};

// Bounds the invariants hold every run to.
struct InvariantBounds {
  // A CPU may stay idle this long while a task that may use it is runnable:
  // the agent's wake-up, a step and a drain take far less; a policy that
  // holds tasks back or parks them on a busy CPU's queue takes more.
  uint64_t idle_while_waiting_ns = 10 * kNsecPerMsec;
  // Longest runnable-to-running wait: the starvation guard (250 ms), its
  // scan period (the 100 ms heartbeat) and a slice of slack.
  uint64_t starvation_ns = 500 * kNsecPerMsec;
};

struct SimSettings {
  MachineShape shape;
  CostModel costs;
  ScxxKernelSettings kernel;
  InvariantBounds bounds;
  PolicyConfig policy_config;
  uint64_t duration_ns = 5000 * kNsecPerMsec; // when the workload gives none
  // Wake-up latency and run-queue delay count only from then on (a start-up
  // transient left out); CPU time, switches and invariants cover the run.
  uint64_t warmup_ns = 0;
  uint64_t seed = 1;
  // Kept for plots: which class ran where during the first timeline_ns
  // (0: nothing), and every wake-up latency sample.
  uint64_t timeline_ns = 0;
  bool keep_samples = false;
};

} // namespace scxx::sim
