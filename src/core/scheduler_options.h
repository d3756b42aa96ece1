// How the BPF half of scxx is configured before load (bpf/scxx.bpf.c's
// rodata). The defaults here are the defaults everywhere: the settings
// table of `scxx run` (src/config/settings.h) derives its own from them,
// and the BPF program has none of its own.
#pragma once

#include "policy/policy_config.h"

#include <cstdint>

namespace scxx {

struct SchedulerOptions {
  uint64_t slice_ns = PolicyConfig{}.slice_ns;         // default slice for decisions with slice 0
  uint64_t slice_min_ns = PolicyConfig{}.slice_min_ns; // shortest slice (kernel mode, refills)
  uint64_t heartbeat_ns = 100 * kNsecPerMsec;          // wakes an agent that has work
  bool partial = false; // only tasks switched to SCHED_EXT are scheduled
  // The fast path: a waking task that finds an idle CPU runs there without
  // the agent, when the agent holds nothing and the shared queue is empty.
  bool fast_path = true;
  bool debug = false;       // echo libbpf's messages
  bool kernel_mode = false; // decide in BPF; the agent loop is not used
  // Before sleeping on the ring, the agent polls it this long (0: sleeps at
  // once). Trades agent CPU time for the latency of a wake-up.
  uint64_t agent_spin_ns = 0;
  // How the agent waits for work: false, it sleeps on the ring and BPF
  // notifies it; true, it yields its CPU and BPF runs it again when tasks
  // are queued (bpf/agent_wakeup.bpf.h).
  bool agent_yield = true;
  uint64_t max_run_ns = 500 * kNsecPerMsec; // tick watchdog, 0 = off
  // An agent that made no progress for this long while work waited is
  // stalled: BPF places every task itself until it moves again (0: never).
  uint64_t agent_timeout_ns = 500 * kNsecPerMsec;
  // Liveness invariant: waits longer than this are counted and recorded;
  // with stall_abort the scheduler stops with a message naming the task.
  uint64_t stall_bound_ns = 1000 * kNsecPerMsec;
  bool stall_abort = false;
  // Guaranteed bound: a task waiting longer than this in a DSQ of scxx is
  // moved to a CPU's local DSQ (0: off).
  uint64_t starvation_ns = 250 * kNsecPerMsec;
  // Load only the maps and SYSCALL programs: for kernels without sched_ext
  // (the host-bpf tests and the channel benchmark). attach() is refused.
  bool channel_only = false;
};

} // namespace scxx
