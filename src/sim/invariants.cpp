#include "sim/invariants.h"

#include <cstdio>

namespace scxx::sim {

const char *rule_name(Rule rule) {
  switch (rule) {
  case Rule::kIdleWhileWaiting:
    return "idle-while-waiting";
  case Rule::kDoubleRun:
    return "task-on-two-cpus";
  case Rule::kNotRunnable:
    return "ran-unrunnable-task";
  case Rule::kCpuTime:
    return "cpu-time-above-wall";
  case Rule::kAffinity:
    return "affinity";
  case Rule::kStarvation:
    return "starvation";
  }
  return "?";
}

void Invariants::violated(Rule rule, uint64_t now_ns, const std::string &what) {
  ++counts_[rule];
  if (described_.size() < kMaxDescribed) {
    char at[48];
    std::snprintf(at, sizeof(at), "t=%.6fs ", static_cast<double>(now_ns) / 1e9);
    described_.push_back(at + std::string(rule_name(rule)) + ": " + what);
  }
}

uint64_t Invariants::total() const {
  uint64_t n = 0;
  for (const auto &[rule, c] : counts_) {
    n += c;
  }
  return n;
}

uint64_t Invariants::count(Rule rule) const {
  const auto it = counts_.find(rule);
  return it == counts_.end() ? 0 : it->second;
}

} // namespace scxx::sim
