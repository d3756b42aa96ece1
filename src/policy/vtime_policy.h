// vtime: weighted fair sharing. Each task accumulates virtual run time
// (run time * 100 / weight) and the task with the least runs next, so CPU
// time is shared in proportion to weight.
#pragma once

#include "policy/fixed_heap.h"
#include "policy/pid_table.h"
#include "policy/policy.h"
#include "policy/policy_config.h"
#include "policy/policy_context.h"

namespace scxx {

class VtimePolicy final : public Policy {
public:
  explicit VtimePolicy(const PolicyConfig &config, const PolicyLimits &limits = {});
  explicit VtimePolicy(const PolicyContext &ctx) : VtimePolicy(ctx.config, ctx.limits) {}

  [[nodiscard]] std::string_view name() const override { return "vtime"; }
  void on_queued(const QueuedTask &task) override;
  std::optional<Decision> pick_next() override;
  void on_dispatch_failed(const Decision &decision) override;
  bool hand_over(HeldTaskSink &sink) override;
  void on_exiting(int32_t pid) override { vruntime_.erase(pid); }
  [[nodiscard]] size_t nr_queued() const override { return ready_.size(); }
  [[nodiscard]] uint64_t nr_overflow() const override { return overflow_; }

  // The largest vruntime picked so far: the floor new and waking tasks are
  // measured against.
  [[nodiscard]] uint64_t min_vruntime() const { return min_vruntime_; }
  // Tasks whose vruntime is remembered.
  [[nodiscard]] size_t nr_tracked() const { return vruntime_.size(); }
  // Times a task was scheduled without remembered state because the per-pid
  // table was full (it then starts from the floor each time).
  [[nodiscard]] uint64_t nr_untracked() const { return untracked_; }

private:
  // The task is kept as it came, to hand it to another policy.
  struct Entry {
    Decision decision;
    QueuedTask task;
  };
  // Decision::vtime holds the vruntime; ties go to the lower pid.
  struct ByVruntime {
    bool operator()(const Entry &a, const Entry &b) const {
      return a.decision.vtime != b.decision.vtime ? a.decision.vtime < b.decision.vtime
                                                  : a.decision.pid < b.decision.pid;
    }
  };

  uint64_t slice_ns_;
  uint64_t min_vruntime_ = 0;
  PidTable<uint64_t> vruntime_;
  FixedMinHeap<Entry, ByVruntime> ready_;
  QueuedTask last_picked_; // the task of the decision pick_next returned last
  uint64_t overflow_ = 0;
  uint64_t untracked_ = 0;
};

} // namespace scxx
