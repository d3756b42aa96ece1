// A strategy as the API and the store keep it: a stable id, a name and one
// rule. A rule may name a Kubernetes pod (pod_uid) instead of a cgroup; it
// then stands for one StrategyRule per cgroup layout the pod can have
// (pod_cgroup.h), so expand_rules() is what the scheduler receives.
#pragma once

#include "strategy/strategy.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace scxx {

struct StoredStrategy {
  int64_t id = 0;
  StrategyRule rule;                  // rule.name is the strategy's name
  std::optional<std::string> pod_uid; // lower-case UUID; set: rule.cgroup_prefix is empty
  std::optional<std::string> pod_name;
  std::optional<std::string> pod_namespace;

  friend bool operator==(const StoredStrategy &, const StoredStrategy &);
};

// The rules the scheduler gets for `strategies`, and for each rule the
// index of the strategy it came from.
struct ExpandedRules {
  std::vector<StrategyRule> rules;
  std::vector<size_t> owner;
};
ExpandedRules expand_rules(const std::vector<StoredStrategy> &strategies);

} // namespace scxx
