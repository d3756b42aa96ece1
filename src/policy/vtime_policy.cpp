#include "policy/vtime_policy.h"

#include "policy/policy_registry.h"
#include "policy/policy_util.h"

#include <algorithm>

namespace scxx {

SCXX_REGISTER_POLICY(VtimePolicy, "vtime",
                     "shares the CPU by weight: the task that has run least (weighted) runs next");

VtimePolicy::VtimePolicy(const PolicyConfig &config, const PolicyLimits &limits)
    : slice_ns_(config.slice_ns), vruntime_(limits.max_tracked), ready_(limits.max_queued) {}

void VtimePolicy::on_queued(const QueuedTask &task) {
  bool inserted = false;
  uint64_t *state = vruntime_.find_or_insert(task.pid, inserted);
  if (state == nullptr) {
    ++untracked_;
  }
  // Charge the run that just ended. Then the floor: a task that slept (or
  // is new) would otherwise come back far behind and monopolise the CPU;
  // it keeps at most one slice of credit. A task that did not sleep is
  // never below the floor, so the rule applies to every task alike.
  uint64_t vruntime = (state != nullptr ? *state : 0) + weighted_run_ns(task);
  vruntime = std::max(vruntime, saturating_sub(min_vruntime_, slice_ns_));
  if (state != nullptr) {
    *state = vruntime;
  }
  const Decision decision{.pid = task.pid,
                          .cpu = dispatch_cpu(task),
                          .slice_ns = strategy_slice(task, boosted_slice(task, slice_ns_)),
                          .vtime = vruntime,
                          .enq_cnt = task.enq_cnt,
                          .flags = 0};
  if (!ready_.push(Entry{decision, task})) {
    ++overflow_;
  }
}

std::optional<Decision> VtimePolicy::pick_next() {
  std::optional<Entry> entry = ready_.pop();
  if (!entry) {
    return std::nullopt;
  }
  min_vruntime_ = std::max(min_vruntime_, entry->decision.vtime);
  last_picked_ = entry->task;
  return entry->decision;
}

void VtimePolicy::on_dispatch_failed(const Decision &decision) {
  // Same key as before, so it is again among the first to go. The loop
  // reports a failure right after the pick: the last task picked is its task.
  if (!ready_.push(Entry{decision, last_picked_})) {
    ++overflow_;
  }
}

bool VtimePolicy::hand_over(HeldTaskSink &sink) {
  while (std::optional<Entry> entry = ready_.pop()) {
    sink.take(entry->task);
  }
  return true;
}

} // namespace scxx
