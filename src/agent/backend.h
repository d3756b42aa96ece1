// What the agent loop needs from "the kernel": implemented by BpfScheduler
// on a real sched_ext kernel, and by a fake in the unit tests
// (tests/core_unit/agent_loop_test.cpp).
#pragma once

#include "policy/task.h"

#include <time.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace scxx {

class Backend {
public:
  Backend() = default;
  Backend(const Backend &) = delete;
  Backend &operator=(const Backend &) = delete;
  virtual ~Backend() = default;

  // Moves up to out.size() queued tasks into out without blocking; returns
  // how many. Task-exit notifications come through with kQueuedExiting.
  virtual size_t dequeue(std::span<QueuedTask> out) = 0;
  // Sends one decision; false when the channel is full (try again later).
  virtual bool dispatch(const Decision &decision) = 0;
  // Tells the kernel side how many tasks the agent still holds, and how
  // many the policy had no room for (Policy::nr_overflow), after each step.
  virtual void notify_complete(uint64_t nr_pending, uint64_t nr_overflow) = 0;
  // Blocks until tasks are queued or timeout_ms passes; true if woken by work.
  virtual bool wait_for_work(int timeout_ms) = 0;
  // True once the scheduler stopped (unloaded by the kernel or detached).
  [[nodiscard]] virtual bool exited() const = 0;
  // Now, on the clock of QueuedTask::start_ts/stop_ts (CLOCK_MONOTONIC, the
  // kernel's bpf_ktime_get_ns); a simulated machine has its own.
  [[nodiscard]] virtual uint64_t now_ns() const {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
  }
};

} // namespace scxx
