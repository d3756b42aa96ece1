#include "policy/fifo_policy.h"

#include "policy/policy_registry.h"
#include "policy/policy_util.h"

namespace scxx {

SCXX_REGISTER_POLICY(FifoPolicy, "fifo", "runs tasks in arrival order, each for a full slice");

FifoPolicy::FifoPolicy(const PolicyConfig &config, const PolicyLimits &limits)
    : slice_ns_(config.slice_ns), queue_(limits.max_queued) {}

void FifoPolicy::on_queued(const QueuedTask &task) {
  const Decision decision{.pid = task.pid,
                          .cpu = dispatch_cpu(task),
                          .slice_ns = strategy_slice(task, slice_ns_),
                          .vtime = 0,
                          .enq_cnt = task.enq_cnt,
                          .flags = 0};
  if (!queue_.push_back(Entry{decision, task})) {
    ++overflow_;
  }
}

std::optional<Decision> FifoPolicy::pick_next() {
  std::optional<Entry> entry = queue_.pop_front();
  if (!entry) {
    return std::nullopt;
  }
  last_picked_ = entry->task;
  return entry->decision;
}

void FifoPolicy::on_dispatch_failed(const Decision &decision) {
  // Back to the front: it was first in line and still is. The loop reports
  // a failure right after the pick, so the last task picked is its task.
  if (!queue_.push_front(Entry{decision, last_picked_})) {
    ++overflow_;
  }
}

bool FifoPolicy::hand_over(HeldTaskSink &sink) {
  while (std::optional<Entry> entry = queue_.pop_front()) {
    sink.take(entry->task);
  }
  return true;
}

} // namespace scxx
