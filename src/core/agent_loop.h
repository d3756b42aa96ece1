// The agent's hot loop: drain queued tasks into the Policy, send its
// decisions back in batches, sleep on the ring when there is nothing to do.
// Allocates nothing after construction.
#pragma once

#include "core/backend.h"
#include "intf.h"
#include "policy/policy.h"

#include <array>
#include <atomic>
#include <cstdint>

namespace scxx {

struct AgentLoopCounters {
  uint64_t iterations = 0;
  uint64_t tasks_received = 0;
  uint64_t exits_received = 0;
  uint64_t decisions_sent = 0;
  uint64_t dispatch_full = 0; // decisions refused by a full channel
  uint64_t sleeps = 0;        // times the loop blocked waiting for work
};

class AgentLoop {
public:
  // Decisions per step: what one ops.dispatch can insert.
  static constexpr size_t kBatch = SCXX_DISPATCH_BATCH;
  // How long to sleep when idle: only a bound, the ring wakes the loop.
  static constexpr int kIdleTimeoutMs = 100;
  // How long to back off when the dispatch channel is full.
  static constexpr int kFullBackoffMs = 1;

  AgentLoop(Backend &backend, Policy &policy) : backend_(backend), policy_(policy) {}

  // Runs until `stop` becomes true or the scheduler exits.
  void run(const std::atomic<bool> &stop);
  enum class StepResult { kIdle, kMoved, kChannelFull };
  // One iteration without sleeping.
  StepResult step();

  // Counters may be read from another thread while run() goes on.
  [[nodiscard]] AgentLoopCounters counters() const;

private:
  Backend &backend_;
  Policy &policy_;
  std::array<QueuedTask, kBatch> batch_{};
  std::atomic<uint64_t> iterations_{0}, tasks_received_{0}, exits_received_{0}, decisions_sent_{0},
      dispatch_full_{0}, sleeps_{0};
};

} // namespace scxx
