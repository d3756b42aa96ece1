// The data a policy works on: a runnable task as reported by the kernel and
// the decision the policy makes about it. Plain values, no kernel types; the
// core converts to and from the wire format of bpf/intf.h.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace scxx {

// "Run on any CPU the task may use."
inline constexpr int32_t kAnyCpu = -1;

inline constexpr uint64_t kNsecPerUsec = 1000;
inline constexpr uint64_t kNsecPerMsec = 1000ULL * 1000;

// Weight of a nice-0 task; weights run 1..10000.
inline constexpr uint64_t kWeightDefault = 100;

struct QueuedTask {
  int32_t pid = 0;
  int32_t tgid = 0;
  int32_t cpu = 0;              // CPU the kernel suggests (select_cpu) or last ran on
  uint32_t nr_cpus_allowed = 0; // size of the task's affinity mask
  uint64_t flags = 0;           // enqueue flags (kQueuedWakeup, ...)
  uint64_t start_ts = 0;        // ns, when it last started running
  uint64_t stop_ts = 0;         // ns, when it last stopped running
  uint64_t exec_runtime = 0;    // ns run since it last slept
  uint64_t weight = kWeightDefault;
  uint64_t vtime = 0;          // kernel's dsq_vtime for the task
  uint64_t enq_cnt = 0;        // enqueue generation, echoed in the decision
  std::array<char, 16> comm{}; // command name, NUL padded
  uint32_t priority = 0;       // strategy priority 0..20 (0: none), see bpf/intf.h
  uint64_t boost_slice_ns = 0; // strategy slice, 0: none

  [[nodiscard]] std::string_view comm_view() const {
    size_t n = 0;
    while (n < comm.size() && comm[n] != '\0') {
      ++n;
    }
    return {comm.data(), n};
  }
};

// QueuedTask::flags bits.
inline constexpr uint64_t kQueuedWakeup = 1ULL << 0;  // runnable because it woke up
inline constexpr uint64_t kQueuedExiting = 1ULL << 1; // not runnable: the task exited

// Decision::flags bits.
inline constexpr uint64_t kDispatchPreempt = 1ULL << 0; // preempt the CPU's current task
inline constexpr uint64_t kDispatchHead = 1ULL << 1;    // go to the head of the queue

struct Decision {
  int32_t pid = 0;
  int32_t cpu = kAnyCpu;
  uint64_t slice_ns = 0; // 0: the scheduler's default slice
  uint64_t vtime = 0;    // the kernel's order key, across every queued decision
  uint64_t enq_cnt = 0;  // copied from the QueuedTask the decision is about
  uint64_t flags = 0;
  // The policy's own: never sent to the kernel, handed back unchanged by
  // on_dispatch_failed, so a policy recognises its re-offered decision.
  uint64_t tag = 0;
};

} // namespace scxx
