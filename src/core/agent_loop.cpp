#include "core/agent_loop.h"

#include <time.h>

namespace scxx {
namespace {
uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ULL + static_cast<uint64_t>(ts.tv_nsec);
}
} // namespace

AgentLoop::StepResult AgentLoop::step() {
  const size_t n = backend_.dequeue(batch_);
  uint64_t exits = 0;
  for (size_t i = 0; i < n; ++i) {
    const QueuedTask &t = batch_[i];
    if ((t.flags & kQueuedExiting) != 0) {
      policy_.on_exiting(t.pid);
      ++exits;
    } else {
      policy_.on_queued(t);
    }
  }
  policy_.on_tick(monotonic_ns());

  uint64_t sent = 0;
  bool full = false;
  while (sent < kBatch) {
    const auto decision = policy_.pick_next();
    if (!decision) {
      break;
    }
    if (!backend_.dispatch(*decision)) {
      policy_.on_dispatch_failed(*decision);
      full = true;
      break;
    }
    ++sent;
  }
  backend_.notify_complete(policy_.nr_queued(), policy_.nr_overflow());

  iterations_.fetch_add(1, std::memory_order_relaxed);
  tasks_received_.fetch_add(n - exits, std::memory_order_relaxed);
  exits_received_.fetch_add(exits, std::memory_order_relaxed);
  decisions_sent_.fetch_add(sent, std::memory_order_relaxed);
  if (full) {
    dispatch_full_.fetch_add(1, std::memory_order_relaxed);
  }
  if (full && n == 0 && sent == 0) {
    return StepResult::kChannelFull;
  }
  return n != 0 || sent != 0 ? StepResult::kMoved : StepResult::kIdle;
}

void AgentLoop::run(const std::atomic<bool> &stop) {
  while (!stop.load(std::memory_order_relaxed) && !backend_.exited()) {
    switch (step()) {
    case StepResult::kMoved:
      break;
    case StepResult::kIdle:
      // Nothing moved: block on the ring. Our CPU goes through dispatch
      // meanwhile, which drains the decisions just sent.
      sleeps_.fetch_add(1, std::memory_order_relaxed);
      backend_.wait_for_work(kIdleTimeoutMs);
      break;
    case StepResult::kChannelFull:
      // The kernel drains the channel when CPUs dispatch: give it a moment.
      backend_.wait_for_work(kFullBackoffMs);
      break;
    }
  }
}

AgentLoopCounters AgentLoop::counters() const {
  AgentLoopCounters c;
  c.iterations = iterations_.load(std::memory_order_relaxed);
  c.tasks_received = tasks_received_.load(std::memory_order_relaxed);
  c.exits_received = exits_received_.load(std::memory_order_relaxed);
  c.decisions_sent = decisions_sent_.load(std::memory_order_relaxed);
  c.dispatch_full = dispatch_full_.load(std::memory_order_relaxed);
  c.sleeps = sleeps_.load(std::memory_order_relaxed);
  return c;
}

} // namespace scxx
