#include "control/stored_strategy.h"

#include "control/pod_cgroup.h"

#include <tuple>

namespace scxx {

bool operator==(const StoredStrategy &a, const StoredStrategy &b) {
  const auto rule_fields = [](const StrategyRule &r) {
    return std::tie(r.pid, r.tgid, r.comm_regex, r.cgroup_prefix, r.priority, r.slice_ns, r.name);
  };
  return a.id == b.id && rule_fields(a.rule) == rule_fields(b.rule) && a.pod_uid == b.pod_uid &&
         a.pod_name == b.pod_name && a.pod_namespace == b.pod_namespace;
}

ExpandedRules expand_rules(const std::vector<StoredStrategy> &strategies) {
  ExpandedRules out;
  for (size_t i = 0; i < strategies.size(); ++i) {
    const StoredStrategy &s = strategies[i];
    if (!s.pod_uid) {
      out.rules.push_back(s.rule);
      out.owner.push_back(i);
      continue;
    }
    for (const std::string &prefix : pod_cgroup_prefixes(*s.pod_uid)) {
      StrategyRule rule = s.rule;
      rule.cgroup_prefix = prefix;
      out.rules.push_back(std::move(rule));
      out.owner.push_back(i);
    }
  }
  return out;
}

} // namespace scxx
