// Tunables shared by the built-in policies, and the sizes of their fixed
// storage. Kept apart from the policies so the command line can fill it in
// without pulling in any policy.
#pragma once

#include "policy/task.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace scxx {

struct PolicyConfig {
  uint64_t slice_ns = 20 * kNsecPerMsec;    // default time slice
  uint64_t slice_min_ns = 1 * kNsecPerMsec; // shortest slice a policy hands out
};

// The rule the two slices obey (both above zero, the minimum not above the
// slice), written once: make_policy and the settings of `scxx run` both
// check it. Returns what is wrong, or nothing.
inline std::optional<std::string> policy_config_problem(const PolicyConfig &config) {
  if (config.slice_ns == 0 || config.slice_min_ns == 0) {
    return "policy slices must be greater than zero";
  }
  if (config.slice_min_ns > config.slice_ns) {
    return "the minimum slice (" + std::to_string(config.slice_min_ns) +
           " ns) is longer than the slice (" + std::to_string(config.slice_ns) + " ns)";
  }
  return std::nullopt;
}

// Capacities of the storage a policy allocates once, at construction. The
// agent runs locked in memory and must not allocate while scheduling, so
// nothing grows later: a policy that runs out counts the task in
// Policy::nr_overflow() instead (see docs/writing-a-policy.md).
struct PolicyLimits {
  // Tasks held at once. The kernel ring carries at most 4096 messages in
  // flight; twice that leaves room for tasks the policy holds back.
  size_t max_queued = 8192;
  // Tasks with remembered per-pid state (live tasks, freed on exit).
  size_t max_tracked = 65536;
};

} // namespace scxx
