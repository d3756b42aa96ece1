// Small rules the built-in policies share, kept in one place so that they
// agree.
#pragma once

#include "policy/task.h"

#include <algorithm>
#include <cstdint>

namespace scxx {

inline constexpr uint64_t kWeightMin = 1;
inline constexpr uint64_t kWeightMax = 10000;

// The CPU to ask for: a task pinned to one CPU must go there; any other
// task goes wherever a CPU frees up first.
inline int32_t dispatch_cpu(const QueuedTask &task) {
  return task.nr_cpus_allowed == 1 ? task.cpu : kAnyCpu;
}

// Highest fairness priority (SCXX_PRIO_CUT_MAX in bpf/intf.h, where BPF's
// charge_pct uses it; src/core/wire_format.h checks that they agree).
inline constexpr uint64_t kPrioFairnessMax = 10;

// Percentage of its run time a task is charged under its strategy
// priority (bpf/intf.h): 100 without one, 100 - 5 * priority for 1..10.
// Urgent priorities (11..20) are placed by BPF before any policy sees the
// task; should one arrive anyway it is charged like 10.
inline uint64_t priority_charge_pct(const QueuedTask &task) {
  const uint64_t level = std::min<uint64_t>(task.priority, kPrioFairnessMax);
  return 100 - 5 * level;
}

// The weight the policies schedule by: the task's own, raised by its
// strategy priority (1..10 -> x1.05 .. x2), kept in range so that it is
// never a divisor of zero. The one place a task's weight enters the
// policies, so a boost acts on both its virtual time and its slice.
inline uint64_t task_weight(const QueuedTask &task) {
  return std::clamp(task.weight * 100 / priority_charge_pct(task), kWeightMin, kWeightMax);
}

// A slice stretched by the task's strategy priority, for policies whose
// slices do not otherwise depend on weight.
inline uint64_t boosted_slice(const QueuedTask &task, uint64_t slice_ns) {
  return slice_ns * 100 / priority_charge_pct(task);
}

// How long the task ran last time; 0 if it has not run yet (or the
// timestamps are out of order).
inline uint64_t last_run_ns(const QueuedTask &task) {
  return task.stop_ts > task.start_ts ? task.stop_ts - task.start_ts : 0;
}

// Run time scaled to weight: a nice-0 task (weight 100) without a
// strategy is charged what it ran, heavier or boosted tasks less.
inline uint64_t weighted_run_ns(const QueuedTask &task) {
  return last_run_ns(task) * kWeightDefault / task_weight(task);
}

// The slice a strategy asks for, else the policy's own.
inline uint64_t strategy_slice(const QueuedTask &task, uint64_t policy_slice_ns) {
  return task.boost_slice_ns != 0 ? task.boost_slice_ns : policy_slice_ns;
}

inline uint64_t saturating_sub(uint64_t a, uint64_t b) {
  return a > b ? a - b : 0;
}

} // namespace scxx
