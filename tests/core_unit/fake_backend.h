// The kernel side of the agent loop for unit tests: a fake Backend
// (agent/backend.h) that records every call.
#pragma once

#include "agent/backend.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

namespace scxx {

// The kernel side as the loop sees it: a queue of messages, a dispatch
// channel of bounded capacity, and a record of every call.
class FakeBackend final : public Backend {
public:
  std::deque<QueuedTask> queued;
  std::vector<Decision> dispatched;
  size_t capacity = SIZE_MAX; // decisions the channel accepts before it is full
  std::vector<uint64_t> pending_reports;
  std::vector<int> wait_timeouts;
  bool stop_after_wait = false;
  std::atomic<bool> *stop = nullptr;
  int exit_after_waits = -1;

  size_t dequeue(std::span<QueuedTask> out) override {
    const size_t n = std::min(out.size(), queued.size());
    for (size_t i = 0; i < n; ++i) {
      out[i] = queued.front();
      queued.pop_front();
    }
    return n;
  }
  bool dispatch(const Decision &decision) override {
    if (dispatched.size() >= capacity) {
      return false;
    }
    dispatched.push_back(decision);
    return true;
  }
  void notify_complete(uint64_t nr_pending, uint64_t /*nr_overflow*/) override {
    pending_reports.push_back(nr_pending);
  }
  bool wait_for_work(int timeout_ms) override {
    wait_timeouts.push_back(timeout_ms);
    if (stop_after_wait && stop != nullptr) {
      stop->store(true);
    }
    return !queued.empty();
  }
  // Each read advances the clock by clock_step_ns (0: it stands still
  // until a test moves it).
  [[nodiscard]] uint64_t now_ns() const override { return clock_ns += clock_step_ns; }
  mutable uint64_t clock_ns = 1000;
  uint64_t clock_step_ns = 0;
  [[nodiscard]] bool exited() const override {
    return exit_after_waits >= 0 && static_cast<int>(wait_timeouts.size()) >= exit_after_waits;
  }
};

} // namespace scxx
