// gthulhu: a deadline policy. A task's deadline is its virtual time plus
// the time it has run since it last slept (at most one minimum slice), so
// tasks that sleep often (interactive ones) get early deadlines and run
// first, while CPU-bound tasks still share the CPU by weight through the
// virtual time. Credit, new-task offset and lead are one minimum slice
// each, which bounds every task's wait (see the test SteadyMixWaitIsBounded).
#pragma once

#include "policy/fixed_heap.h"
#include "policy/pid_table.h"
#include "policy/policy.h"
#include "policy/policy_config.h"
#include "policy/policy_context.h"

namespace scxx {

class GthulhuPolicy final : public Policy {
public:
  // Shortest slice as a percentage of slice_min (the default): every
  // dispatch costs a round trip through user space (tens of microseconds),
  // so much shorter slices spend more time deciding than running.
  static constexpr double kDefaultShortestSlicePct = 25;

  explicit GthulhuPolicy(const PolicyConfig &config, const PolicyLimits &limits = {},
                         double shortest_slice_pct = kDefaultShortestSlicePct);
  explicit GthulhuPolicy(const PolicyContext &ctx)
      : GthulhuPolicy(ctx.config, ctx.limits, ctx.option("shortest_slice_pct")) {}

  [[nodiscard]] std::string_view name() const override { return "gthulhu"; }
  void on_queued(const QueuedTask &task) override;
  std::optional<Decision> pick_next() override;
  void on_dispatch_failed(const Decision &decision) override;
  bool hand_over(HeldTaskSink &sink) override;
  void on_exiting(int32_t pid) override { vtime_.erase(pid); }
  [[nodiscard]] size_t nr_queued() const override { return ready_.size(); }
  [[nodiscard]] uint64_t nr_overflow() const override { return overflow_; }

  // Largest virtual time of any task dispatched so far: the clock new and
  // waking tasks are measured against. (Gthulhu adds every task's weighted
  // run time to it instead; that clock runs N tasks times faster than any
  // one task's virtual time, the one-slice floor soon lifts every task to
  // the same value, and weights and strategy priorities stop mattering.)
  [[nodiscard]] uint64_t min_vruntime() const { return min_vruntime_; }
  // Tasks whose virtual time is remembered.
  [[nodiscard]] size_t nr_tracked() const { return vtime_.size(); }
  // Times a task was scheduled as new because the per-pid table was full.
  [[nodiscard]] uint64_t nr_untracked() const { return untracked_; }
  // The slice a task of this weight is dispatched with.
  [[nodiscard]] uint64_t slice_for_weight(uint64_t weight) const;

private:
  struct Entry {
    Decision decision; // Decision::vtime holds the deadline
    uint64_t start_ts = 0;
    uint64_t vtime = 0; // the task's virtual time (deadline minus its runtime term)
    QueuedTask task;    // as it came, to hand it to another policy
  };
  // Earliest deadline first; then the task that started running earlier;
  // then the lower pid, so that the order is total.
  struct ByDeadline {
    bool operator()(const Entry &a, const Entry &b) const {
      if (a.decision.vtime != b.decision.vtime) {
        return a.decision.vtime < b.decision.vtime;
      }
      if (a.start_ts != b.start_ts) {
        return a.start_ts < b.start_ts;
      }
      return a.decision.pid < b.decision.pid;
    }
  };

  uint64_t slice_default_ns_;
  uint64_t slice_min_ns_;
  uint64_t shortest_slice_ns_;
  uint64_t min_vruntime_ = 0;
  PidTable<uint64_t> vtime_;
  FixedMinHeap<Entry, ByDeadline> ready_;
  QueuedTask last_picked_; // the task of the decision pick_next returned last
  uint64_t overflow_ = 0;
  uint64_t untracked_ = 0;
};

} // namespace scxx
