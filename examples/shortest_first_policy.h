// Example policy: run the task that has run least since it last slept.
// Interactive tasks (short bursts) go first. A task that never sleeps would
// wait for ever behind shorter ones, so run time counts only up to a cap
// (the option runtime_cap_ms): tasks past it share the CPU in arrival
// order. A teaching example, not a policy to deploy.
#pragma once

#include "policy/fixed_heap.h"
#include "policy/policy.h"
#include "policy/policy_context.h"

namespace scxx::example {

class ShortestFirstPolicy final : public Policy {
public:
  static constexpr double kDefaultRuntimeCapMs = 20;

  explicit ShortestFirstPolicy(const PolicyContext &ctx);

  [[nodiscard]] std::string_view name() const override { return "shortest-first"; }
  void on_queued(const QueuedTask &task) override;
  std::optional<Decision> pick_next() override;
  void on_dispatch_failed(const Decision &decision) override;
  bool hand_over(HeldTaskSink &sink) override;
  [[nodiscard]] size_t nr_queued() const override { return ready_.size(); }
  [[nodiscard]] uint64_t nr_overflow() const override { return overflow_; }
  // Every task goes through this policy, also a wake-up that finds an idle
  // CPU: the order it teaches (least run time first) covers every task, and
  // the example shows how a policy says so.
  [[nodiscard]] bool allows_fast_path() const override { return false; }

private:
  struct Entry {
    Decision decision;
    uint64_t runtime = 0; // run since it last slept, capped
    uint64_t seq = 0;     // arrival order, breaks ties
    QueuedTask task;      // as it came: handed to the next policy on a switch
  };
  struct ByRuntime {
    bool operator()(const Entry &a, const Entry &b) const {
      return a.runtime != b.runtime ? a.runtime < b.runtime : a.seq < b.seq;
    }
  };

  uint64_t slice_ns_;
  uint64_t runtime_cap_ns_;
  uint64_t next_seq_ = 1; // also the decision's tag
  // Preallocated: pushing and popping never allocates.
  FixedMinHeap<Entry, ByRuntime> ready_;
  QueuedTask last_picked_; // the task of the last decision pick_next returned
  uint64_t overflow_ = 0;
};

} // namespace scxx::example
