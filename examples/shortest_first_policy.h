// Example policy: run the task that has run least since it last slept.
// Interactive tasks (short bursts) go first; a task that never sleeps only
// runs when nothing shorter is waiting, so it can starve: this is a
// teaching example, not a policy to deploy.
#pragma once

#include "policy/fixed_heap.h"
#include "policy/policy.h"
#include "policy/policy_config.h"

namespace scxx::example {

class ShortestFirstPolicy final : public Policy {
public:
  explicit ShortestFirstPolicy(const PolicyConfig &config, const PolicyLimits &limits = {});

  [[nodiscard]] std::string_view name() const override { return "shortest-first"; }
  void on_queued(const QueuedTask &task) override;
  std::optional<Decision> pick_next() override;
  void on_dispatch_failed(const Decision &decision) override;
  [[nodiscard]] size_t nr_queued() const override { return ready_.size(); }
  [[nodiscard]] uint64_t nr_overflow() const override { return overflow_; }

private:
  struct Entry {
    Decision decision;
    uint64_t exec_runtime = 0;
    uint64_t seq = 0; // arrival order, breaks ties
  };
  struct ByExecRuntime {
    bool operator()(const Entry &a, const Entry &b) const {
      return a.exec_runtime != b.exec_runtime ? a.exec_runtime < b.exec_runtime : a.seq < b.seq;
    }
  };

  uint64_t slice_ns_;
  uint64_t next_seq_ = 1; // 0 is kept for re-offered decisions
  // Preallocated: pushing and popping never allocates.
  FixedMinHeap<Entry, ByExecRuntime> ready_;
  uint64_t overflow_ = 0;
};

} // namespace scxx::example
