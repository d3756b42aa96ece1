#include "shortest_first_policy.h"

#include "policy/policy_util.h"

namespace scxx::example {

ShortestFirstPolicy::ShortestFirstPolicy(const PolicyConfig &config, const PolicyLimits &limits)
    : slice_ns_(config.slice_ns), ready_(limits.max_queued) {}

void ShortestFirstPolicy::on_queued(const QueuedTask &task) {
  const Entry entry{.decision = {.pid = task.pid,
                                 .cpu = dispatch_cpu(task),
                                 .slice_ns = slice_ns_,
                                 .vtime = 0,
                                 .enq_cnt = task.enq_cnt,
                                 .flags = 0},
                    .exec_runtime = task.exec_runtime,
                    .seq = next_seq_++};
  if (!ready_.push(entry)) {
    ++overflow_; // never drop silently: the agent reports this counter
  }
}

std::optional<Decision> ShortestFirstPolicy::pick_next() {
  const std::optional<Entry> entry = ready_.pop();
  if (!entry) {
    return std::nullopt;
  }
  return entry->decision;
}

void ShortestFirstPolicy::on_dispatch_failed(const Decision &decision) {
  // exec_runtime 0 and the oldest sequence: first in line again.
  if (!ready_.push(Entry{.decision = decision, .exec_runtime = 0, .seq = 0})) {
    ++overflow_;
  }
}

} // namespace scxx::example
