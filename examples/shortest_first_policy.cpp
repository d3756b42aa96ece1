#include "shortest_first_policy.h"

#include "policy/policy_registry.h"
#include "policy/policy_util.h"

#include <algorithm>

namespace scxx::example {

// The one line that makes the policy known to scxx (--policy, the config
// file, `scxx config --explain`), with its option.
SCXX_REGISTER_POLICY(ShortestFirstPolicy, "shortest-first",
                     "the task that ran least since it slept runs first (an example)",
                     {"runtime_cap_ms",
                      "run time since the last sleep counts up to this many milliseconds; "
                      "tasks past it run in arrival order",
                      1, 10000, ShortestFirstPolicy::kDefaultRuntimeCapMs});

ShortestFirstPolicy::ShortestFirstPolicy(const PolicyContext &ctx)
    : slice_ns_(ctx.config.slice_ns),
      runtime_cap_ns_(
          static_cast<uint64_t>(ctx.option("runtime_cap_ms") * static_cast<double>(kNsecPerMsec))),
      ready_(ctx.limits.max_queued) {}

void ShortestFirstPolicy::on_queued(const QueuedTask &task) {
  // The key the kernel orders by: every decision of every batch goes into
  // one queue sorted by vtime, so the policy's order must be in the key,
  // not only in the order pick_next returns decisions.
  const uint64_t runtime = std::min(task.exec_runtime, runtime_cap_ns_);
  const uint64_t seq = next_seq_++;
  const Entry entry{.decision = {.pid = task.pid,
                                 .cpu = dispatch_cpu(task),
                                 .slice_ns = slice_ns_,
                                 .vtime = runtime,
                                 .enq_cnt = task.enq_cnt,
                                 .flags = 0,
                                 .tag = seq},
                    .runtime = runtime,
                    .seq = seq,
                    .task = task};
  if (!ready_.push(entry)) {
    ++overflow_; // never drop silently: the agent reports this counter
  }
}

std::optional<Decision> ShortestFirstPolicy::pick_next() {
  const std::optional<Entry> entry = ready_.pop();
  if (!entry) {
    return std::nullopt;
  }
  last_picked_ = entry->task;
  return entry->decision;
}

void ShortestFirstPolicy::on_dispatch_failed(const Decision &decision) {
  // Back where it was: its key and its arrival sequence (kept in the tag).
  // A failure is reported right after its pick: the last task picked.
  if (!ready_.push(Entry{.decision = decision,
                         .runtime = decision.vtime,
                         .seq = decision.tag,
                         .task = last_picked_})) {
    ++overflow_;
  }
}

// A switch to another policy while scxx runs: every task waiting here goes
// to the new policy as it came.
bool ShortestFirstPolicy::hand_over(HeldTaskSink &sink) {
  while (std::optional<Entry> entry = ready_.pop()) {
    sink.take(entry->task);
  }
  return true;
}

} // namespace scxx::example
