// The rules every run is checked against, whatever the policy: no CPU idle
// while a task that may use it waits (beyond a bound), no task on two CPUs,
// CPU time never above wall time x CPUs, affinity respected, no task
// waiting beyond the starvation bound. A broken rule is a violation:
// counted by kind, the first few described.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace scxx::sim {

enum class Rule { kIdleWhileWaiting, kDoubleRun, kNotRunnable, kCpuTime, kAffinity, kStarvation };

const char *rule_name(Rule rule);

class Invariants {
public:
  static constexpr size_t kMaxDescribed = 20;

  void violated(Rule rule, uint64_t now_ns, const std::string &what);
  [[nodiscard]] uint64_t total() const;
  [[nodiscard]] uint64_t count(Rule rule) const;
  [[nodiscard]] const std::map<Rule, uint64_t> &counts() const { return counts_; }
  // "t=1.234567s starvation: ...", the first kMaxDescribed.
  [[nodiscard]] const std::vector<std::string> &described() const { return described_; }

private:
  std::map<Rule, uint64_t> counts_;
  std::vector<std::string> described_;
};

} // namespace scxx::sim
