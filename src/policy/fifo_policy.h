// fifo: tasks run in the order they became runnable, each for one default
// slice. The simplest useful policy and the baseline for the others.
#pragma once

#include "policy/fixed_ring.h"
#include "policy/policy.h"
#include "policy/policy_config.h"
#include "policy/policy_context.h"

namespace scxx {

class FifoPolicy final : public Policy {
public:
  explicit FifoPolicy(const PolicyConfig &config, const PolicyLimits &limits = {});
  explicit FifoPolicy(const PolicyContext &ctx) : FifoPolicy(ctx.config, ctx.limits) {}

  [[nodiscard]] std::string_view name() const override { return "fifo"; }
  void on_queued(const QueuedTask &task) override;
  std::optional<Decision> pick_next() override;
  void on_dispatch_failed(const Decision &decision) override;
  bool hand_over(HeldTaskSink &sink) override;
  [[nodiscard]] size_t nr_queued() const override { return queue_.size(); }
  [[nodiscard]] uint64_t nr_overflow() const override { return overflow_; }

private:
  uint64_t slice_ns_;
  // The decision is made when the task arrives; the queue only orders them.
  // The task is kept as it came, to hand it to another policy.
  struct Entry {
    Decision decision;
    QueuedTask task;
  };
  FixedRing<Entry> queue_;
  QueuedTask last_picked_; // the task of the decision pick_next returned last
  uint64_t overflow_ = 0;
};

} // namespace scxx
